// Prefill-sized products with AVX-512 BF16 dot products against the reference product (every block shape at the
// edges of a tile), and the refusal of inputs that are not exact bf16 values.
#include "cpu/linear_bf16.hpp"
#include "cpu/quantize.hpp"
#include "compare.hpp"
#include "random_weights.hpp"
#include "unit.hpp"

#include <cmath>
#include <cstdio>
#include <random>

using namespace fathom;
using namespace fathom::cpu;

using unit::rel_error;

TEST("BF16 dot-product prefill products equal the reference for FP8, FP4 and bf16 weights") {
    if (!bf16_products_available()) {
        std::printf("  this CPU has no AVX-512 BF16 (or FATHOM_PREFILL_BF16=0): not run here\n");
        return;
    }
    std::mt19937 rng(21);
    std::normal_distribution<float> n(0.0f, 1.0f);
    for (WeightFormat f : {WeightFormat::Fp8Block128, WeightFormat::Fp4Group32, WeightFormat::Bf16}) {
        for (auto [out, in] : {std::pair<int64_t, int64_t>{37, 96}, {70, 256}, {129, 160}}) {
            auto o = unit::random_weight(f, out, in, rng);
            for (int64_t T : {5, 13, 50}) {
                std::vector<float> x(static_cast<size_t>(T * in));
                for (auto& v : x) v = n(rng);
                for (int64_t t = 0; t < T; ++t) fp8_round_trip(x.data() + t * in, in, kActivationBlock);
                std::vector<float> ref(static_cast<size_t>(T * out)), y(ref.size(), NAN);
                linear_with(reference_kernels(), o.w, x.data(), T, ref.data());
                CHECK(bf16_linear(*avx512_kernels(), o.w, x.data(), T, y.data()));
                CHECK(rel_error(y, ref) < 1e-5);
            }
        }
    }
}

TEST("inputs that are not exact bf16 values, or decode-sized calls, are left to the fp32 path") {
    std::mt19937 rng(3);
    auto o = unit::random_weight(WeightFormat::Fp8Block128, 40, 64, rng);
    std::vector<float> x(static_cast<size_t>(8 * 64), 0.5f), y(static_cast<size_t>(8 * 40), 7.0f);
    x[3] = 0.1f;  // not a bf16
    CHECK(!bf16_linear(reference_kernels(), o.w, x.data(), 8, y.data()));
    CHECK_EQ(y[0], 7.0f);
    x[3] = 0.25f;
    CHECK(!bf16_linear(reference_kernels(), o.w, x.data(), 4, y.data()));  // at most kFusedMaxTokens: the fused path's
}

UNIT_MAIN()
