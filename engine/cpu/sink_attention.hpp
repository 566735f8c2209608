// Attention of one query position over a set of key/value rows (V4: keys and values are the same vector),
// with a learned per-head sink that takes probability mass but carries no value.
#pragma once

#include <cstdint>

namespace fathom::cpu {

// q [H, D]; rows: n pointers to [D] vectors; sinks [H]; out [H, D].
// p_j = exp(s_j - M) / (sum_j exp(s_j - M) + exp(sink_h - M)), s_j = q_h . row_j * scale.
void sink_attention(const float* q, int64_t heads, int64_t dim, const float* const* rows, int64_t n,
                    const float* sinks, float scale, float* out);

}  // namespace fathom::cpu
