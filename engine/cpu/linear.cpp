#include "cpu/linear.hpp"

#include "cpu/linear_amx.hpp"
#include "cpu/linear_bf16.hpp"
#include "cpu/linear_kernels.hpp"
#include "cpu/thread_pool.hpp"
#include "fathom/error.hpp"
#include "model/number_formats.hpp"

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>

namespace fathom::cpu {

namespace {

struct DecodeTables {
    std::array<float, 256> fp8;
    std::array<float, 256> e8m0;
    std::array<std::array<float, 2>, 256> fp4_pair;  // low nibble first
    DecodeTables() {
        for (int b = 0; b < 256; ++b) {
            fp8[b] = fp8_e4m3_to_f32(static_cast<uint8_t>(b));
            e8m0[b] = e8m0_to_f32(static_cast<uint8_t>(b));
            fp4_pair[b] = {fp4_e2m1_to_f32(static_cast<uint8_t>(b & 0xf)), fp4_e2m1_to_f32(static_cast<uint8_t>(b >> 4))};
        }
    }
};
const DecodeTables& tables() {
    static const DecodeTables t;
    return t;
}

float dot(const float* a, const float* b, int64_t n) {
    double acc = 0.0;
#pragma omp simd reduction(+ : acc)
    for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(a[i]) * b[i];
    return static_cast<float>(acc);
}

}  // namespace

uint64_t Weight::bytes() const {
    switch (format) {
        case WeightFormat::Fp8Block128: return static_cast<uint64_t>(out * in) + ((out + 127) / 128) * scale_cols;
        case WeightFormat::Fp4Group32: return static_cast<uint64_t>(out * in / 2 + out * (in / 32));
        case WeightFormat::Bf16: return static_cast<uint64_t>(out * in * 2);
        case WeightFormat::F32: return static_cast<uint64_t>(out * in * 4);
    }
    return 0;
}

Weight fp8_weight(const Checkpoint& ck, const std::string& prefix, int64_t out, int64_t in) {
    const int64_t so = (out + 127) / 128, si = (in + 127) / 128;
    auto w = ck.expect(prefix + ".weight", DType::F8_E4M3, {out, in});
    auto s = ck.expect(prefix + ".scale", DType::F8_E8M0, {so, si});
    Weight r;
    r.format = WeightFormat::Fp8Block128;
    r.out = out;
    r.in = in;
    r.data = w.bytes.data();
    r.scale = s.bytes.data();
    r.scale_cols = si;
    return r;
}

Weight fp4_weight(const Checkpoint& ck, const std::string& prefix, int64_t out, int64_t in) {
    if (in % 32 != 0) throw Error("tensor '" + prefix + ".weight': FP4 input width " + std::to_string(in) + " is not a multiple of 32");
    auto w = ck.expect(prefix + ".weight", DType::I8, {out, in / 2});
    auto s = ck.expect(prefix + ".scale", DType::F8_E8M0, {out, in / 32});
    Weight r;
    r.format = WeightFormat::Fp4Group32;
    r.out = out;
    r.in = in;
    r.data = w.bytes.data();
    r.scale = s.bytes.data();
    r.scale_cols = in / 32;
    return r;
}

Weight bf16_weight(const Checkpoint& ck, const std::string& name, int64_t out, int64_t in) {
    auto w = ck.expect(name, DType::BF16, {out, in});
    Weight r;
    r.format = WeightFormat::Bf16;
    r.out = out;
    r.in = in;
    r.data = w.bytes.data();
    return r;
}

Weight f32_weight(const Checkpoint& ck, const std::string& name, int64_t out, int64_t in) {
    auto w = ck.expect(name, DType::F32, {out, in});
    Weight r;
    r.format = WeightFormat::F32;
    r.out = out;
    r.in = in;
    r.data = w.bytes.data();
    return r;
}

Weight row_slice(const Weight& w, int64_t begin, int64_t count) {
    if (begin < 0 || count < 0 || begin + count > w.out) throw Error("row_slice: rows out of range");
    Weight r = w;
    r.row0 = w.row0 + begin;
    r.out = count;
    return r;
}

void decode_row(const Weight& w, int64_t o, float* row) {
    const auto& t = tables();
    o += w.row0;
    switch (w.format) {
        case WeightFormat::Fp8Block128: {
            const uint8_t* q = w.data + o * w.in;
            const uint8_t* s = w.scale + (o / 128) * w.scale_cols;
            for (int64_t i = 0; i < w.in; ++i) row[i] = t.fp8[q[i]] * t.e8m0[s[i / 128]];
            break;
        }
        case WeightFormat::Fp4Group32: {
            const uint8_t* q = w.data + o * (w.in / 2);
            const uint8_t* s = w.scale + o * w.scale_cols;
            for (int64_t i = 0; i < w.in; i += 2) {
                const float sc = t.e8m0[s[i / 32]];
                row[i] = t.fp4_pair[q[i / 2]][0] * sc;
                row[i + 1] = t.fp4_pair[q[i / 2]][1] * sc;
            }
            break;
        }
        case WeightFormat::Bf16: {
            const uint8_t* p = w.data + o * w.in * 2;
            for (int64_t i = 0; i < w.in; ++i) {
                uint16_t b;
                std::memcpy(&b, p + 2 * i, 2);
                row[i] = bf16_to_f32(b);
            }
            break;
        }
        case WeightFormat::F32: {
            const float* src = w.owned.empty() ? reinterpret_cast<const float*>(w.data) : w.owned.data();
            std::memcpy(row, src + o * w.in, static_cast<size_t>(w.in) * 4);
            break;
        }
    }
}

namespace {

void reference_decode_rows(const Weight& w, int64_t r0, int64_t R, float* dst) {
    for (int64_t r = 0; r < R; ++r) decode_row(w, r0 + r, dst + r * w.in);
}

void reference_tile_product(const float* wt, int64_t R, const float* x, int64_t T, int64_t K, float* y, int64_t ldy) {
    for (int64_t t = 0; t < T; ++t)
        for (int64_t r = 0; r < R; ++r) y[t * ldy + r] = dot(wt + r * K, x + t * K, K);
}

const LinearKernels kReference{"reference", reference_decode_rows, reference_tile_product};

const LinearKernels& choose_kernels() {
    const char* forced = std::getenv("FATHOM_CPU_KERNELS");
    const std::string want = forced ? forced : "";
    if (want == "reference") return kReference;
    if (want == "avx2") {
        if (!avx2_kernels()) throw Error("FATHOM_CPU_KERNELS=avx2 but this CPU lacks AVX2/FMA");
        return *avx2_kernels();
    }
    if (want == "avx512") {
        if (!avx512_kernels()) throw Error("FATHOM_CPU_KERNELS=avx512 but this CPU lacks AVX-512");
        return *avx512_kernels();
    }
    if (!want.empty()) throw Error("FATHOM_CPU_KERNELS='" + want + "': expected reference, avx2 or avx512");
    if (avx512_kernels()) return *avx512_kernels();
    if (avx2_kernels()) return *avx2_kernels();
    return kReference;
}

}  // namespace

const LinearKernels& reference_kernels() { return kReference; }

const LinearKernels& active_kernels() {
    static const LinearKernels& k = choose_kernels();
    return k;
}

void linear_with(const LinearKernels& k, const Weight& w, const float* x, int64_t T, float* y) {
    // Rows are decoded a tile at a time (each weight byte read once per call) and multiplied with the
    // token rows in chunks that stay in cache.
    constexpr int64_t kRowTile = 32, kTokenChunk = 48;
    const int64_t tiles = (w.out + kRowTile - 1) / kRowTile;
    if (k.fused_rows && T <= kFusedMaxTokens && w.in % 32 == 0) {
        // Per token: x, then its even and its odd elements (the two nibbles of an FP4 byte).
        thread_local std::vector<float> split;
        split.resize(static_cast<size_t>(T * 2 * w.in));
        for (int64_t t = 0; t < T; ++t) {
            const float* xt = x + t * w.in;
            float* st = split.data() + t * 2 * w.in;
            std::copy(xt, xt + w.in, st);
            for (int64_t i = 0; i < w.in / 2; ++i) {
                st[w.in + i] = xt[2 * i];
                st[w.in + w.in / 2 + i] = xt[2 * i + 1];
            }
        }
        const float* xs = split.data();
        parallel_for(tiles, [&](int64_t begin, int64_t end) {
            for (int64_t tile = begin; tile < end; ++tile) {
                const int64_t r0 = tile * kRowTile, R = std::min(kRowTile, w.out - r0);
                k.fused_rows(w, r0, R, xs, T, y + r0, w.out);
            }
        });
        return;
    }
    parallel_for(tiles, [&](int64_t begin, int64_t end) {
        // One scratch tile per thread, kept between calls: a fresh allocation per call costs page faults.
        thread_local std::vector<float> wt;
        if (wt.size() < static_cast<size_t>(kRowTile * w.in)) wt.resize(static_cast<size_t>(kRowTile * w.in));
        for (int64_t tile = begin; tile < end; ++tile) {
            const int64_t r0 = tile * kRowTile, R = std::min(kRowTile, w.out - r0);
            k.decode_rows(w, r0, R, wt.data());
            for (int64_t t0 = 0; t0 < T; t0 += kTokenChunk)
                k.tile_product(wt.data(), R, x + t0 * w.in, std::min(kTokenChunk, T - t0), w.in, y + t0 * w.out + r0, w.out);
        }
    });
}

void linear(const Weight& w, const float* x, int64_t T, float* y) {
    const LinearKernels& k = active_kernels();
    // AMX tiles or AVX-512 BF16 dot products where the CPU has them, unless FATHOM_CPU_KERNELS forced an older set.
    if (&k == avx512_kernels() && (amx_linear(k, w, x, T, y) || bf16_linear(k, w, x, T, y))) return;
    linear_with(k, w, x, T, y);
}

}  // namespace fathom::cpu
