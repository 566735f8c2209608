#include "cpu/rms_norm.hpp"

#include <cmath>

namespace fathom::cpu {

void rms_norm(const float* x, const float* weight, int64_t n, float eps, float* out) {
    double ss = 0.0;
    for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
    const float r = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(n) + eps));
    if (weight)
        for (int64_t i = 0; i < n; ++i) out[i] = x[i] * r * weight[i];
    else
        for (int64_t i = 0; i < n; ++i) out[i] = x[i] * r;
}

void rms_norm_rows(float* x, const float* weight, int64_t rows, int64_t n, float eps) {
    for (int64_t t = 0; t < rows; ++t) rms_norm(x + t * n, weight, n, eps, x + t * n);
}

}  // namespace fathom::cpu
