// fathom-synth's encoders against the decoders and the model's own rounding: encode then decode must equal
// round_to_fp8_e4m3 / round_to_fp4_e2m1 for every value, subnormals and ties included.
#include "model/number_formats.hpp"
#include "tools/synth/weight_codes.hpp"
#include "unit.hpp"

#include <random>

using namespace fathom;
using namespace fathom::synth;

TEST("fp8 e4m3: encode then decode equals the reference rounding") {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> mant(1.0f, 2.0f);
    std::uniform_int_distribution<int> expo(-12, 8);
    int mismatches = 0;
    for (int i = 0; i < 200000; ++i) {
        float x = std::ldexp(mant(rng), expo(rng)) * (i % 2 ? -1.0f : 1.0f);
        x = std::max(-448.0f, std::min(448.0f, x));
        if (fp8_e4m3_to_f32(encode_fp8_e4m3(x)) != round_to_fp8_e4m3(x)) ++mismatches;
    }
    // Every code's value and every midpoint between neighbours (the ties).
    for (int c = 0; c < 0x7e; ++c) {
        const float a = fp8_e4m3_to_f32(static_cast<uint8_t>(c)), b = fp8_e4m3_to_f32(static_cast<uint8_t>(c + 1));
        if (encode_fp8_e4m3(a) != c) ++mismatches;
        const float mid = 0.5f * (a + b);
        if (fp8_e4m3_to_f32(encode_fp8_e4m3(mid)) != round_to_fp8_e4m3(mid)) ++mismatches;
        if (fp8_e4m3_to_f32(encode_fp8_e4m3(-mid)) != round_to_fp8_e4m3(-mid)) ++mismatches;
    }
    CHECK_EQ(mismatches, 0);
    CHECK_EQ(encode_fp8_e4m3(448.0f), 0x7e);
    CHECK_EQ(encode_fp8_e4m3(-1000.0f), 0xfe);
}

TEST("fp4 e2m1: encode then decode equals the reference rounding, ties to even") {
    int mismatches = 0;
    for (int i = -6000; i <= 6000; ++i) {
        const float x = i / 1000.0f;
        if (fp4_e2m1_to_f32(encode_fp4_e2m1(x)) != round_to_fp4_e2m1(x)) ++mismatches;
    }
    for (float tie : {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f})
        for (float s : {1.0f, -1.0f})
            if (fp4_e2m1_to_f32(encode_fp4_e2m1(s * tie)) != round_to_fp4_e2m1(s * tie)) ++mismatches;
    CHECK_EQ(mismatches, 0);
}

TEST("scale exponents: the smallest power of two that brings amax within the code range") {
    CHECK_EQ(block_scale_exponent(448.0f, 448.0f), 0);
    CHECK_EQ(block_scale_exponent(449.0f, 448.0f), 1);
    CHECK_EQ(block_scale_exponent(6.0f, 6.0f), 0);
    CHECK_EQ(block_scale_exponent(3.0f, 6.0f), -1);
    CHECK_EQ(block_scale_exponent(3.1f, 6.0f), 0);
    CHECK_EQ(block_scale_exponent(0.0f, 6.0f), -127);
    CHECK_EQ(static_cast<int>(e8m0_byte(-3)), 124);
    CHECK_EQ(e8m0_to_f32(e8m0_byte(block_scale_exponent(0.01f, 448.0f))) * 448.0f >= 0.01f, true);
}

UNIT_MAIN()
