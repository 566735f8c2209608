#include "cpu/linear_kernels.hpp"
#include "model/number_formats.hpp"
#include "unit.hpp"

#include <random>

using namespace fathom;
using namespace fathom::cpu;

namespace {

struct Owned {
    std::vector<uint8_t> data, scale;
    Weight w;
};

// Random weights in each stored format, with shapes that are not multiples of the block sizes.
Owned make_weight(WeightFormat f, int64_t out, int64_t in, std::mt19937& rng) {
    Owned o;
    std::uniform_int_distribution<int> byte(0, 255), scale_byte(110, 135), big_scale(136, 140);
    o.w.format = f;
    o.w.out = out;
    o.w.in = in;
    switch (f) {
        case WeightFormat::Fp8Block128: {
            o.data.resize(static_cast<size_t>(out * in));
            for (auto& b : o.data) {
                b = static_cast<uint8_t>(byte(rng));
                if ((b & 0x7f) == 0x7f) b &= 0xfe;  // no NaN codes
            }
            o.w.scale_cols = (in + 127) / 128;
            o.scale.resize(static_cast<size_t>((out + 127) / 128 * o.w.scale_cols));
            for (size_t i = 0; i < o.scale.size(); ++i)
                o.scale[i] = static_cast<uint8_t>(i == 1 ? big_scale(rng) : scale_byte(rng));  // one scale past 2^7
            break;
        }
        case WeightFormat::Fp4Group32: {
            o.data.resize(static_cast<size_t>(out * in / 2));
            for (auto& b : o.data) b = static_cast<uint8_t>(byte(rng));
            o.w.scale_cols = in / 32;
            o.scale.resize(static_cast<size_t>(out * o.w.scale_cols));
            for (auto& s : o.scale) s = static_cast<uint8_t>(scale_byte(rng));
            break;
        }
        case WeightFormat::Bf16: {
            o.data.resize(static_cast<size_t>(out * in * 2));
            std::normal_distribution<float> n(0.0f, 1.0f);
            for (int64_t i = 0; i < out * in; ++i) {
                const uint16_t b = f32_to_bf16(n(rng));
                o.data[2 * i] = static_cast<uint8_t>(b & 0xff);
                o.data[2 * i + 1] = static_cast<uint8_t>(b >> 8);
            }
            break;
        }
        case WeightFormat::F32: break;
    }
    o.w.data = o.data.data();
    o.w.scale = o.scale.data();
    return o;
}

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
            auto o = make_weight(f, out, in, rng);
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
