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
        for (int64_t j = 0; j < n; ++j) {
            float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
            for (int64_t i = 0; i < dim; ++i) acc += qh[i] * rows[j][i];
            s[j] = acc * scale;
            mx = std::max(mx, s[j]);
        }
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
