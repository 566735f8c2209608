// The AMX path's layouts (token packing, weight tiles, the 16x16 output blocks) against the reference product, with
// the tiles emulated in scalar code; and the hardware tiles themselves where the CPU has AMX.
#include "cpu/linear_amx.hpp"
#include "cpu/quantize.hpp"
#include "compare.hpp"
#include "random_weights.hpp"
#include "unit.hpp"

#include <cmath>
#include <random>

using namespace fathom;
using namespace fathom::cpu;

namespace {

using unit::rel_error;

// FP8-rounded activations: exact bf16 values, as the model's matrix inputs are.
std::vector<float> rounded_inputs(int64_t T, int64_t in, std::mt19937& rng) {
    std::normal_distribution<float> n(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(T * in));
    for (auto& v : x) v = n(rng);
    for (int64_t t = 0; t < T; ++t) fp8_round_trip(x.data() + t * in, in, kActivationBlock);
    return x;
}

// y = x W^T through the packing and the tile product (emulated or on AMX), 32 rows at a time as amx_linear runs it.
std::vector<float> tiled(const Weight& w, const std::vector<float>& x, int64_t T, bool hardware) {
    std::vector<uint16_t> packed(static_cast<size_t>((T + 15) / 16 * 16 * w.in));
    CHECK(pack_tokens_bf16(x.data(), T, w.in, packed.data()));
    std::vector<float> y(static_cast<size_t>(T * w.out), NAN), rows(static_cast<size_t>(32 * w.in));
    std::vector<uint16_t> bf(rows.size());
    for (int64_t r0 = 0; r0 < w.out; r0 += 32) {
        const int64_t R = std::min<int64_t>(32, w.out - r0);
        reference_kernels().decode_rows(w, r0, R, rows.data());
        CHECK(to_bf16_exact(rows.data(), R * w.in, bf.data()));
        if (hardware) amx_tile_product(bf.data(), R, w.in, packed.data(), T, y.data() + r0, w.out);
        else amx_tile_product_emulated(bf.data(), R, w.in, packed.data(), T, y.data() + r0, w.out);
    }
    return y;
}

}  // namespace

TEST("AMX layouts (emulated tiles): FP8 and FP4 weights times bf16 inputs give the reference product") {
    std::mt19937 rng(11);
    for (WeightFormat f : {WeightFormat::Fp8Block128, WeightFormat::Fp4Group32}) {
        for (auto [out, in] : {std::pair<int64_t, int64_t>{45, 256}, {32, 96}, {70, 160}}) {
            auto o = unit::random_weight(f, out, in, rng);
            for (int64_t T : {1, 16, 37}) {
                const auto x = rounded_inputs(T, in, rng);
                std::vector<float> ref(static_cast<size_t>(T * out));
                linear_with(reference_kernels(), o.w, x.data(), T, ref.data());
                const auto y = tiled(o.w, x, T, false);
                CHECK(rel_error(y, ref) < 1e-5);
            }
        }
    }
}

TEST("values that are not exact bf16 are refused, so the caller keeps the fp32 path") {
    std::vector<float> x = {1.0f, 0.5f, -3.0f, 0.0f};
    std::vector<uint16_t> out(4);
    CHECK(to_bf16_exact(x.data(), 4, out.data()));
    CHECK_EQ(out[0], uint16_t{0x3F80});
    x[1] = 1.0f + 1.0f / 1024;  // needs more than bf16's 8 bits of precision
    CHECK(!to_bf16_exact(x.data(), 4, out.data()));
    x[1] = 1e-40f;  // subnormal: the tiles would read it as zero
    CHECK(!to_bf16_exact(x.data(), 4, out.data()));
    std::vector<float> tokens(16 * 32, 1.0f);
    tokens[100] = 0.1f;
    std::vector<uint16_t> packed(16 * 32);
    CHECK(!pack_tokens_bf16(tokens.data(), 16, 32, packed.data()));
}

TEST("AMX hardware tiles give the emulated tiles' products, and linear() takes them for prefill-sized calls") {
    if (!amx_usable()) {
        std::printf("  AMX not in use (FATHOM_AMX=1 unset, or this CPU has none): the hardware tiles were not run here\n");
        return;
    }
    std::mt19937 rng(5);
    for (WeightFormat f : {WeightFormat::Fp8Block128, WeightFormat::Fp4Group32}) {
        auto o = unit::random_weight(f, 75, 320, rng);
        for (int64_t T : {16, 50}) {
            const auto x = rounded_inputs(T, 320, rng);
            CHECK(rel_error(tiled(o.w, x, T, true), tiled(o.w, x, T, false)) < 1e-6);
            std::vector<float> ref(static_cast<size_t>(T * 75)), y(ref.size());
            linear_with(reference_kernels(), o.w, x.data(), T, ref.data());
            CHECK(amx_linear(*avx512_kernels(), o.w, x.data(), T, y.data()));
            CHECK(rel_error(y, ref) < 1e-5);
        }
    }
    std::printf("  AMX tiles ran on this CPU\n");
}

UNIT_MAIN()
