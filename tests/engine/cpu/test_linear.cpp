#include "cpu/linear_kernels.hpp"
#include "model/number_formats.hpp"
#include "random_weights.hpp"
#include "unit.hpp"

#include <random>

using namespace fathom;
using namespace fathom::cpu;

namespace {

void compare_kernels(const LinearKernels* fast, const char* label) {
    if (!fast) {
        std::fprintf(stderr, "  (%s kernels not available on this CPU: not compared)\n", label);
        return;
    }
    std::mt19937 rng(7);
    std::normal_distribution<float> n(0.0f, 1.0f);
    for (WeightFormat f : {WeightFormat::Fp8Block128, WeightFormat::Fp4Group32, WeightFormat::Bf16}) {
        for (auto [out, in] : {std::pair<int64_t, int64_t>{37, 160}, {200, 96}, {129, 256}}) {
            if (f == WeightFormat::Fp4Group32 && in % 32 != 0) continue;
            auto o = unit::random_weight(f, out, in, rng);
            // Decoding is exact: the same fp32 values as the reference decoder, bit for bit.
            std::vector<float> a(static_cast<size_t>(out * in)), b(a.size());
            reference_kernels().decode_rows(o.w, 0, out, a.data());
            fast->decode_rows(o.w, 0, out, b.data());
            CHECK(a == b);
            // A row slice decodes the same rows.
            Weight slice = row_slice(o.w, 5, 20);
            std::vector<float> c(static_cast<size_t>(20 * in));
            fast->decode_rows(slice, 0, 20, c.data());
            CHECK(std::equal(c.begin(), c.end(), a.begin() + 5 * in));
            for (int64_t T : {1, 2, 5, 50}) {
                std::vector<float> x(static_cast<size_t>(T * in)), yr(static_cast<size_t>(T * out)), yf(yr.size());
                for (auto& v : x) v = n(rng);
                linear_with(reference_kernels(), o.w, x.data(), T, yr.data());
                linear_with(*fast, o.w, x.data(), T, yf.data());
                double num = 0, den = 0;
                for (size_t i = 0; i < yr.size(); ++i) {
                    num += (yr[i] - yf[i]) * double(yr[i] - yf[i]);
                    den += double(yr[i]) * yr[i];
                }
                CHECK(std::sqrt(num / den) < 1e-6);
            }
        }
    }
}

}  // namespace

TEST("avx2 kernels agree with the reference") { compare_kernels(avx2_kernels(), "avx2"); }
TEST("avx512 kernels agree with the reference") { compare_kernels(avx512_kernels(), "avx512"); }

TEST("reference linear computes x . W^T on hand values") {
    Weight w;
    w.format = WeightFormat::F32;
    w.out = 2;
    w.in = 3;
    w.owned = {1, 2, 3, -1, 0.5f, 4};
    const float x[6] = {1, 1, 1, 2, 0, -1};
    float y[4];
    linear_with(reference_kernels(), w, x, 2, y);
    CHECK_EQ(y[0], 6.0f);
    CHECK_EQ(y[1], 3.5f);
    CHECK_EQ(y[2], -1.0f);
    CHECK_EQ(y[3], -6.0f);
}

UNIT_MAIN()
