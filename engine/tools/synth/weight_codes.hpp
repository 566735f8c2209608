// Fast encoders from fp32 to the checkpoint's storage codes (FP8 e4m3 bytes, FP4 e2m1 codes, e8m0 scale bytes),
// for fathom-synth; each rounds to nearest even exactly like number_formats.hpp's round_to_* functions.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace fathom::synth {

// e4m3fn byte of x (|x| beyond 448 saturates to 448; there are no infinities).
inline uint8_t encode_fp8_e4m3(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    const uint8_t sign = static_cast<uint8_t>((u >> 24) & 0x80);
    u &= 0x7fffffffu;
    float a;
    std::memcpy(&a, &u, 4);
    if (a >= 448.0f) return sign | 0x7e;
    if (a < 0.015625f) {  // below 2^-6: subnormals in steps of 2^-9; 8 steps is the smallest normal, code 0x08
        return sign | static_cast<uint8_t>(std::nearbyint(a * 512.0f));
    }
    const uint32_t r = u + 0x7ffffu + ((u >> 20) & 1u);  // keep 3 mantissa bits, ties to even
    const int exponent = static_cast<int>(r >> 23) - 127;
    return sign | static_cast<uint8_t>(((exponent + 7) << 3) | ((r >> 20) & 7u));
}

// e2m1 code (4 bits) of x, |x| <= 6; ties go to the even code as round_to_fp4_e2m1 does. Branch-free (a sum
// of comparisons against the midpoints), since random weights would defeat a branch predictor.
inline uint8_t encode_fp4_e2m1(float x) {
    const float a = std::fabs(x);
    const int code = (a > 0.25f) + (a >= 0.75f) + (a > 1.25f) + (a >= 1.75f) + (a > 2.5f) + (a >= 3.5f) + (a > 5.0f);
    return static_cast<uint8_t>(code | ((std::signbit(x) && code != 0) ? 8 : 0));
}

// k such that 2^k is the smallest power of two >= r (r > 0), exact at powers of two.
inline int ceil_log2(float r) {
    int e;
    const float m = std::frexp(r, &e);
    return m == 0.5f ? e - 1 : e;
}

// The e8m0 byte of 2^k, k clamped to the format's range [-127, 127].
inline uint8_t e8m0_byte(int k) {
    if (k < -127) k = -127;
    if (k > 127) k = 127;
    return static_cast<uint8_t>(k + 127);
}

// Scale exponent for a block whose largest magnitude is amax and whose codes reach `code_max` (448 or 6).
inline int block_scale_exponent(float amax, float code_max) {
    if (!(amax > 0.0f)) return -127;
    int k = ceil_log2(amax / code_max);
    return k < -127 ? -127 : (k > 127 ? 127 : k);
}

}  // namespace fathom::synth
