// CSA's lightning indexer: scores every visible compressed row for one query with FP4-rounded, Hadamard-rotated
// queries and keys, and keeps the top index_topk rows the attention will read.
#pragma once

#include <cstdint>
#include <vector>

namespace fathom::cpu {

// q [heads, dim] (already rotated and rounded), weights [heads], keys [n, dim].
// score_k = sum_h weights_h * relu(q_h . key_k). Returns the indices of the top `topk` rows, best first.
std::vector<int32_t> indexer_topk(const float* q, const float* weights, int64_t heads, int64_t dim,
                                  const float* keys, int64_t n, int64_t topk);

}  // namespace fathom::cpu
