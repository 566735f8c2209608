// RMSNorm over rows: x * rsqrt(mean(x^2) + eps), times a weight when one is given (V4's per-head query
// normalisation has none).
#pragma once

#include <cstdint>

namespace fathom::cpu {

void rms_norm(const float* x, const float* weight, int64_t n, float eps, float* out);
// T rows of n values, in place.
void rms_norm_rows(float* x, const float* weight, int64_t rows, int64_t n, float eps);

}  // namespace fathom::cpu
