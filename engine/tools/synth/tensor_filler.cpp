#include "tools/synth/tensor_filler.hpp"

#include "fathom/error.hpp"
#include "model/number_formats.hpp"
#include "tools/synth/weight_codes.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace fathom::synth {

namespace {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t hash_name(const std::string& s) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
    for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ull;
    return h;
}

// Standard normal quantiles at (i + 0.5) / 4096: five samples per 64-bit draw, tails cut near 3.5 sigma,
// which random weights do not miss and which makes generation cost a table lookup per value.
const std::array<float, 4096>& normal_table() {
    static const std::array<float, 4096> table = [] {
        std::array<float, 4096> t{};
        for (int i = 0; i < 4096; ++i) {
            const double p = (i + 0.5) / 4096.0;
            // Bisection on the CDF: exact enough, and only 4096 values once per process.
            double lo = -8, hi = 8;
            for (int it = 0; it < 60; ++it) {
                const double mid = 0.5 * (lo + hi);
                (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
            }
            t[static_cast<size_t>(i)] = static_cast<float>(0.5 * (lo + hi));
        }
        return t;
    }();
    return table;
}

class NormalStream {
public:
    explicit NormalStream(uint64_t seed) : state_(seed) {}
    float next() {
        if (left_ == 0) {
            bits_ = splitmix64(state_);
            left_ = 5;
        }
        const float v = normal_table()[bits_ & 4095];
        bits_ >>= 12;
        --left_;
        return v;
    }
    uint64_t next_u64() { return splitmix64(state_); }

private:
    uint64_t state_;
    uint64_t bits_ = 0;
    int left_ = 0;
};

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

int64_t row_width(const ManifestEntry& e) {
    int64_t w = 1;
    for (size_t i = 1; i < e.shape.size(); ++i) w *= e.shape[i];
    return e.shape.size() <= 1 ? e.numel() : w;
}
int64_t row_count(const ManifestEntry& e) { return e.shape.size() <= 1 ? 1 : e.shape[0]; }

struct Distribution {
    float mean = 0, stddev = 1;
};

Distribution distribution_of(const ManifestEntry& e) {
    const int64_t fan_in = e.kind == TensorKind::Fp4Weight ? 2 * row_width(e) : row_width(e);
    const float inv_sqrt_fan_in = 1.0f / std::sqrt(static_cast<float>(fan_in));
    switch (e.kind) {
        case TensorKind::NormWeight: return {1.0f, 0.02f};
        case TensorKind::Matrix:
            if (e.name == "embed.weight") return {0.0f, 1.0f};
            if (e.dtype() == DType::F32) return {0.0f, 0.1f * inv_sqrt_fan_in};  // hc_*_fn: mixes stay small
            return {0.0f, inv_sqrt_fan_in};
        case TensorKind::Fp8Weight:
        case TensorKind::Fp4Weight: return {0.0f, inv_sqrt_fan_in};
        case TensorKind::Parameter:
            if (ends_with(e.name, "gate.bias")) return {0.0f, 0.01f};
            if (ends_with(e.name, "_scale")) return {0.1f, 0.01f};
            return {0.0f, 0.1f};  // attn_sink, compressor ape, hc_*_base
        default: return {0.0f, 1.0f};
    }
}

void fill_floats(std::vector<float>& v, NormalStream& rng, Distribution d) {
    for (float& x : v) x = d.mean + d.stddev * rng.next();
}

Piece fp8_piece(const ManifestEntry& e, const RowRange& r, NormalStream& rng) {
    const int64_t in = e.shape[1], rows = r.end - r.begin, col_blocks = (in + 127) / 128;
    std::vector<float> v(static_cast<size_t>(rows * in));
    fill_floats(v, rng, distribution_of(e));
    Piece p;
    p.bytes.resize(v.size());
    for (int64_t band = 0; band < rows; band += 128) {
        const int64_t band_end = std::min(rows, band + 128);
        for (int64_t cb = 0; cb < col_blocks; ++cb) {
            const int64_t c0 = cb * 128, c1 = std::min(in, c0 + 128);
            float amax = 0;
            for (int64_t i = band; i < band_end; ++i)
                for (int64_t j = c0; j < c1; ++j) amax = std::max(amax, std::fabs(v[static_cast<size_t>(i * in + j)]));
            const int k = block_scale_exponent(amax, 448.0f);
            const float inv_scale = std::ldexp(1.0f, -k);
            for (int64_t i = band; i < band_end; ++i)
                for (int64_t j = c0; j < c1; ++j) {
                    const size_t at = static_cast<size_t>(i * in + j);
                    p.bytes[at] = encode_fp8_e4m3(v[at] * inv_scale);
                }
            p.scales.push_back(e8m0_byte(k));
        }
    }
    return p;
}

Piece fp4_piece(const ManifestEntry& e, const RowRange& r, NormalStream& rng) {
    const int64_t in = 2 * e.shape[1], rows = r.end - r.begin;
    std::vector<float> v(static_cast<size_t>(rows * in));
    fill_floats(v, rng, distribution_of(e));
    Piece p;
    p.bytes.resize(v.size() / 2);
    p.scales.resize(v.size() / 32);
    for (size_t g = 0; g < v.size() / 32; ++g) {
        const float* x = &v[g * 32];
        float amax = 0;
        for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
        const int k = block_scale_exponent(amax, 6.0f);
        const float inv_scale = std::ldexp(1.0f, -k);
        p.scales[g] = e8m0_byte(k);
        for (int i = 0; i < 32; i += 2)  // the low nibble holds the even column
            p.bytes[g * 16 + static_cast<size_t>(i / 2)] = static_cast<uint8_t>(
                encode_fp4_e2m1(x[i] * inv_scale) | (encode_fp4_e2m1(x[i + 1] * inv_scale) << 4));
    }
    return p;
}

Piece float_piece(const ManifestEntry& e, const RowRange& r, NormalStream& rng) {
    std::vector<float> v(static_cast<size_t>((r.end - r.begin) * row_width(e)));
    fill_floats(v, rng, distribution_of(e));
    Piece p;
    if (e.dtype() == DType::BF16) {
        p.bytes.resize(v.size() * 2);
        for (size_t i = 0; i < v.size(); ++i) {
            const uint16_t b = f32_to_bf16(v[i]);
            std::memcpy(&p.bytes[2 * i], &b, 2);
        }
    } else if (e.dtype() == DType::F32) {
        p.bytes.resize(v.size() * 4);
        std::memcpy(p.bytes.data(), v.data(), p.bytes.size());
    } else {
        throw Error("fathom-synth: no generator for " + e.name + " in " + std::string(dtype_name(e.dtype())));
    }
    return p;
}

// Each token gets top-k distinct experts (a partial Fisher-Yates shuffle), stored as I64.
Piece expert_table_piece(const ManifestEntry& e, const RowRange& r, NormalStream& rng, int64_t n_experts) {
    const int64_t k = e.shape[1];
    if (k > n_experts) throw Error("fathom-synth: " + e.name + " needs more experts per token than exist");
    std::vector<int64_t> ids(static_cast<size_t>(n_experts)), out;
    out.reserve(static_cast<size_t>((r.end - r.begin) * k));
    for (int64_t row = r.begin; row < r.end; ++row) {
        for (int64_t i = 0; i < n_experts; ++i) ids[static_cast<size_t>(i)] = i;
        for (int64_t i = 0; i < k; ++i) {
            const int64_t j = i + static_cast<int64_t>(rng.next_u64() % static_cast<uint64_t>(n_experts - i));
            std::swap(ids[static_cast<size_t>(i)], ids[static_cast<size_t>(j)]);
            out.push_back(ids[static_cast<size_t>(i)]);
        }
    }
    Piece p;
    p.bytes.resize(out.size() * 8);
    std::memcpy(p.bytes.data(), out.data(), p.bytes.size());
    return p;
}

}  // namespace

std::vector<RowRange> split_rows(const ManifestEntry& e, uint64_t target_bytes) {
    const int64_t rows = row_count(e);
    const uint64_t row_bytes = static_cast<uint64_t>(row_width(e)) * dtype_size(e.dtype());
    int64_t step = static_cast<int64_t>(std::max<uint64_t>(1, target_bytes / std::max<uint64_t>(1, row_bytes)));
    if (e.kind == TensorKind::Fp8Weight) step = std::max<int64_t>(128, step / 128 * 128);
    std::vector<RowRange> out;
    for (int64_t b = 0; b < rows; b += step) out.push_back({b, std::min(rows, b + step)});
    return out;
}

Piece generate_piece(const ManifestEntry& e, const RowRange& rows, uint64_t seed, int64_t n_routed_experts) {
    uint64_t mix = seed ^ hash_name(e.name);
    mix = splitmix64(mix) ^ static_cast<uint64_t>(rows.begin);
    NormalStream rng(splitmix64(mix));
    switch (e.kind) {
        case TensorKind::Fp8Weight: return fp8_piece(e, rows, rng);
        case TensorKind::Fp4Weight: return fp4_piece(e, rows, rng);
        case TensorKind::ExpertTable: return expert_table_piece(e, rows, rng, n_routed_experts);
        case TensorKind::Fp8Scale:
        case TensorKind::Fp4Scale:
            throw Error("fathom-synth: " + e.name + " is written from its weight's pieces, not generated");
        default: return float_piece(e, rows, rng);
    }
}

}  // namespace fathom::synth
