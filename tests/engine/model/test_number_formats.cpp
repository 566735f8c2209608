#include "model/number_formats.hpp"
#include "unit.hpp"

using namespace fathom;

TEST("fp8 e4m3 decodes normals, subnormals, max and NaN") {
    CHECK_EQ(fp8_e4m3_to_f32(0x00), 0.0f);
    CHECK_EQ(fp8_e4m3_to_f32(0x38), 1.0f);         // exp 7, man 0
    CHECK_EQ(fp8_e4m3_to_f32(0x7e), 448.0f);       // largest finite
    CHECK_EQ(fp8_e4m3_to_f32(0xfe), -448.0f);
    CHECK_EQ(fp8_e4m3_to_f32(0x01), 0.001953125f); // 2^-9, smallest subnormal
    CHECK_EQ(fp8_e4m3_to_f32(0x08), 0.015625f);    // 2^-6, smallest normal
    CHECK(std::isnan(fp8_e4m3_to_f32(0x7f)));
    CHECK(std::isnan(fp8_e4m3_to_f32(0xff)));
}

TEST("fp4 e2m1 decodes all sixteen codes") {
    const float expected[16] = {0, .5f, 1, 1.5f, 2, 3, 4, 6, -0.0f, -.5f, -1, -1.5f, -2, -3, -4, -6};
    for (int c = 0; c < 16; ++c) CHECK_EQ(fp4_e2m1_to_f32(static_cast<uint8_t>(c)), expected[c]);
}

TEST("e8m0 scales are powers of two") {
    CHECK_EQ(e8m0_to_f32(127), 1.0f);
    CHECK_EQ(e8m0_to_f32(128), 2.0f);
    CHECK_EQ(e8m0_to_f32(120), 1.0f / 128);
    CHECK(std::isnan(e8m0_to_f32(255)));
}

TEST("rounding to e4m3 and e2m1 is nearest-even") {
    CHECK_EQ(round_to_fp8_e4m3(1.0625f), 1.0f);    // halfway between 1 and 1.125: even is 1
    CHECK_EQ(round_to_fp8_e4m3(1.1875f), 1.25f);   // halfway between 1.125 and 1.25: even is 1.25
    CHECK_EQ(round_to_fp8_e4m3(-300.0f), -288.0f); // step 32 above 256
    CHECK_EQ(round_to_fp8_e4m3(0.0009765625f), 0.0f);  // 2^-10, halfway to the first subnormal: ties to 0
    CHECK_EQ(round_to_fp4_e2m1(2.5f), 2.0f);
    CHECK_EQ(round_to_fp4_e2m1(5.0f), 4.0f);
    CHECK_EQ(round_to_fp4_e2m1(0.75f), 1.0f);
    CHECK_EQ(round_to_fp4_e2m1(-0.25f), -0.0f);
    CHECK_EQ(pow2_ceil(1.0f), 1.0f);
    CHECK_EQ(pow2_ceil(1.0001f), 2.0f);
    CHECK_EQ(pow2_ceil(0.3f), 0.5f);
}

TEST("bf16 round trip is nearest-even") {
    CHECK_EQ(bf16_to_f32(f32_to_bf16(1.0f)), 1.0f);
    CHECK_EQ(f32_to_bf16(1.00390625f), 0x3f80);  // halfway: ties to even
    CHECK_EQ(f32_to_bf16(1.01171875f), 0x3f82);
}

UNIT_MAIN()
