#include "cpu/quantize.hpp"
#include "cpu/rope.hpp"
#include "unit.hpp"

#include <random>

using namespace fathom::cpu;

TEST("fp8 round trip uses a power-of-two scale from the block's amax") {
    // amax 448 -> scale 1: values round to e4m3 directly.
    float x[4] = {448.0f, 1.0625f, -300.0f, 0.0f};
    fp8_round_trip(x, 4, 128);
    CHECK_EQ(x[0], 448.0f);
    CHECK_EQ(x[1], 1.0f);
    CHECK_EQ(x[2], -288.0f);
    CHECK_EQ(x[3], 0.0f);
    // amax 900 -> scale 2^ceil(log2(900/448)) = 4; 900/4 = 225 rounds to 224.
    float y[2] = {900.0f, 3.0f};
    fp8_round_trip(y, 2, 128);
    CHECK_EQ(y[0], 896.0f);
    CHECK_EQ(y[1], 3.0f);  // 3/4 = 0.75 is exact in e4m3
    // Blocks are independent: the second block of 2 has its own scale.
    float z[4] = {1000.0f, 1.0f, 0.01f, 0.02f};
    fp8_round_trip(z, 4, 2);
    CHECK_NEAR(z[3], 0.02f, 0.02f / 16);
}

TEST("fp4 round trip: scale 2^ceil(log2(amax/6)), values on the e2m1 grid") {
    float x[32] = {6.0f, 2.5f, -5.0f, 0.25f};
    fp4_round_trip(x, 32);
    CHECK_EQ(x[0], 6.0f);
    CHECK_EQ(x[1], 2.0f);
    CHECK_EQ(x[2], -4.0f);
    CHECK_EQ(x[3], 0.0f);
    float y[32] = {12.0f, 5.0f};  // scale 2
    fp4_round_trip(y, 32);
    CHECK_EQ(y[0], 12.0f);
    CHECK_EQ(y[1], 4.0f);
}

TEST("Hadamard rotation is orthonormal and its own inverse") {
    std::mt19937 rng(1);
    std::normal_distribution<float> n;
    std::vector<float> x(128), y;
    for (auto& v : x) v = n(rng);
    y = x;
    hadamard_rotate(y.data(), 128);
    double nx = 0, ny = 0;
    for (int i = 0; i < 128; ++i) nx += x[i] * x[i], ny += y[i] * y[i];
    CHECK_NEAR(nx, ny, 1e-4 * nx);
    hadamard_rotate(y.data(), 128);
    for (int i = 0; i < 128; ++i) CHECK_NEAR(y[i], x[i], 1e-5);
    float e[4] = {1, 0, 0, 0};
    hadamard_rotate(e, 4);
    for (float v : e) CHECK_NEAR(v, 0.5, 1e-7);
}

TEST("RoPE rotates interleaved pairs and the inverse undoes it") {
    Rope rope(4, 10000.0, false, 1, 1, 1, 1);
    float v[4] = {1, 0, 1, 0};
    rope.apply(v, 1);
    CHECK_NEAR(v[0], std::cos(1.0), 1e-6);
    CHECK_NEAR(v[1], std::sin(1.0), 1e-6);
    CHECK_NEAR(v[2], std::cos(0.01), 1e-6);  // f_1 = 10000^(-2/4)
    rope.apply(v, 1, true);
    CHECK_NEAR(v[0], 1, 1e-6);
    CHECK_NEAR(v[1], 0, 1e-6);
}

TEST("YaRN keeps high frequencies and divides low ones by the factor") {
    Rope plain(64, 160000.0, false, 16, 65536, 32, 1), yarn(64, 160000.0, true, 16, 65536, 32, 1);
    CHECK_EQ(yarn.frequencies()[0], plain.frequencies()[0]);
    CHECK_NEAR(yarn.frequencies()[31], plain.frequencies()[31] / 16, 1e-12);
}

UNIT_MAIN()
