#include "cpu/sink_attention.hpp"

#include <cmath>
#include <vector>

namespace fathom::cpu {

void sink_attention(const float* q, int64_t heads, int64_t dim, const float* const* rows, int64_t n,
                    const float* sinks, float scale, float* out) {
    std::vector<float> s(static_cast<size_t>(n));
    for (int64_t h = 0; h < heads; ++h) {
        const float* qh = q + h * dim;
        float mx = -INFINITY;
        // Four rows at a time: four independent sums in flight instead of one chain of dependent ones; each row's
        // sum is formed exactly as alone.
        int64_t j = 0;
        for (; j + 4 <= n; j += 4) {
            const float *r0 = rows[j], *r1 = rows[j + 1], *r2 = rows[j + 2], *r3 = rows[j + 3];
            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
            for (int64_t i = 0; i < dim; ++i) {
                a0 += qh[i] * r0[i];
                a1 += qh[i] * r1[i];
                a2 += qh[i] * r2[i];
                a3 += qh[i] * r3[i];
            }
            s[j] = a0 * scale, s[j + 1] = a1 * scale, s[j + 2] = a2 * scale, s[j + 3] = a3 * scale;
        }
        for (; j < n; ++j) {
            float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
            for (int64_t i = 0; i < dim; ++i) acc += qh[i] * rows[j][i];
            s[j] = acc * scale;
        }
        for (j = 0; j < n; ++j) mx = std::max(mx, s[j]);
        double denom = 0.0;
        for (int64_t j = 0; j < n; ++j) denom += (s[j] = std::exp(s[j] - mx));
        denom += std::exp(static_cast<double>(sinks[h]) - mx);
        float* oh = out + h * dim;
        for (int64_t i = 0; i < dim; ++i) oh[i] = 0.0f;
        for (int64_t j = 0; j < n; ++j) {
            const float p = static_cast<float>(s[j] / denom);
            for (int64_t i = 0; i < dim; ++i) oh[i] += p * rows[j][i];
        }
    }
}

}  // namespace fathom::cpu
