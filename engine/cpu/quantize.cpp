#include "cpu/quantize.hpp"

#include "model/number_formats.hpp"

#include <algorithm>
#include <cmath>

namespace fathom::cpu {

void fp8_round_trip(float* x, int64_t n, int64_t block) {
    for (int64_t b = 0; b < n; b += block) {
        const int64_t e = std::min(n, b + block);
        float amax = 0.0f;
        for (int64_t i = b; i < e; ++i) amax = std::max(amax, std::fabs(x[i]));
        const float scale = pow2_ceil(std::max(amax, 1e-4f) / 448.0f);
        for (int64_t i = b; i < e; ++i) {
            const float v = std::clamp(x[i] / scale, -448.0f, 448.0f);
            x[i] = round_to_fp8_e4m3(v) * scale;
        }
    }
}

void fp4_round_trip(float* x, int64_t n, int64_t block) {
    const float tiny = 6.0f * std::ldexp(1.0f, -126);
    for (int64_t b = 0; b < n; b += block) {
        const int64_t e = std::min(n, b + block);
        float amax = 0.0f;
        for (int64_t i = b; i < e; ++i) amax = std::max(amax, std::fabs(x[i]));
        const float scale = pow2_ceil(std::max(amax, tiny) / 6.0f);
        for (int64_t i = b; i < e; ++i) {
            const float v = std::clamp(x[i] / scale, -6.0f, 6.0f);
            x[i] = round_to_fp4_e2m1(v) * scale;
        }
    }
}

void hadamard_rotate(float* x, int64_t n) {
    for (int64_t h = 1; h < n; h *= 2)
        for (int64_t i = 0; i < n; i += 2 * h)
            for (int64_t j = i; j < i + h; ++j) {
                const float a = x[j], b = x[j + h];
                x[j] = a + b;
                x[j + h] = a - b;
            }
    const float s = 1.0f / std::sqrt(static_cast<float>(n));
    for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

}  // namespace fathom::cpu
