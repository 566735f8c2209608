// Scalar encodings of the V4 checkpoint and of the model's own roundings: bf16, FP8 e4m3, e8m0 scales,
// FP4 e2m1. Decoding is exact; rounding is round-to-nearest-even as the spec requires.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace fathom {

inline float bf16_to_f32(uint16_t bits) {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// Round-to-nearest-even; NaN stays NaN.
inline uint16_t f32_to_bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
}

// OCP FP8 e4m3fn: bias 7, no infinities, 0x7f/0xff are NaN, max 448.
inline float fp8_e4m3_to_f32(uint8_t b) {
    const int sign = b >> 7;
    const int exp = (b >> 3) & 0xf;
    const int man = b & 0x7;
    float v;
    if (exp == 0xf && man == 0x7) v = NAN;
    else if (exp == 0) v = std::ldexp(static_cast<float>(man), -9);
    else v = std::ldexp(static_cast<float>(8 + man), exp - 10);
    return sign ? -v : v;
}

// e8m0: a bare power of two, 2^(b - 127); 0xff is NaN.
inline float e8m0_to_f32(uint8_t b) {
    if (b == 0xff) return NAN;
    if (b == 0) return std::ldexp(1.0f, -127);  // subnormal float, exact
    uint32_t u = static_cast<uint32_t>(b) << 23;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// FP4 e2m1 code (low 4 bits): bit 3 is the sign, bits 0-2 index {0, .5, 1, 1.5, 2, 3, 4, 6}.
inline float fp4_e2m1_to_f32(uint8_t code) {
    static constexpr float kMagnitudes[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
    const float m = kMagnitudes[code & 7];
    return (code & 8) ? -m : m;
}

// Value of x rounded to the nearest e4m3 number (ties to even); |x| must already be clamped to 448.
inline float round_to_fp8_e4m3(float x) {
    const float a = std::fabs(x);
    if (a == 0.0f || !std::isfinite(a)) return x;
    int e;
    std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1): unbiased exponent e-1
    int quantum_exp = (e - 1) - 3;  // three mantissa bits
    if (quantum_exp < -9) quantum_exp = -9;  // subnormals: step 2^-9
    const float q = std::ldexp(std::nearbyint(std::ldexp(a, -quantum_exp)), quantum_exp);
    return std::copysign(q, x);
}

// Value of x rounded to the nearest e2m1 number (ties to even); |x| must already be clamped to 6.
inline float round_to_fp4_e2m1(float x) {
    const float a = std::fabs(x);
    const float step = a < 2.0f ? 0.5f : (a < 4.0f ? 1.0f : 2.0f);
    const float q = std::nearbyint(a / step) * step;
    return std::copysign(q, x);
}

// 2^ceil(log2(r)) for r > 0, exactly (no libm rounding at powers of two).
inline float pow2_ceil(float r) {
    int e;
    const float m = std::frexp(r, &e);  // r = m * 2^e, m in [0.5, 1)
    return m == 0.5f ? std::ldexp(1.0f, e - 1) : std::ldexp(1.0f, e);
}

}  // namespace fathom
