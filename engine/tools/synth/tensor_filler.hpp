// Random contents for one manifest tensor, produced in independent row chunks so that generation can run on
// many threads and stream to disk, while the bytes depend only on the seed, the tensor name and the chunk.
#pragma once

#include "model/tensor_manifest.hpp"

#include <cstdint>
#include <vector>

namespace fathom::synth {

struct RowRange {
    int64_t begin = 0, end = 0;  // rows of the tensor's first dimension (a 1-d tensor is one row range)
};

struct Piece {
    std::vector<uint8_t> bytes;   // the tensor's bytes for its rows
    std::vector<uint8_t> scales;  // FP8/FP4 weights: the matching rows of the companion .scale tensor
};

// Chunks of about `target_bytes`; FP8 weights are cut on 128-row block boundaries so each chunk owns its scales.
std::vector<RowRange> split_rows(const ManifestEntry& entry, uint64_t target_bytes);

// Scale tensors are not generated here: they are the concatenated Piece::scales of the weight before them.
// Contents (fan_in = the weight's input width):
//   FP8/FP4 weights and bf16 matrices: normal * 1/sqrt(fan_in) (embed: normal), quantised with per-block
//   (128x128) or per-32 power-of-two scales chosen from the block's largest magnitude as the formats demand;
//   hc_*_fn: normal * 0.1/sqrt(fan_in); norms 1 + 0.02 * normal; attn_sink, ape, hc_*_base 0.1 * normal;
//   hc_*_scale 0.1 * (1 + 0.1 * normal); gate.bias 0.01 * normal; tid2eid distinct random experts per token.
Piece generate_piece(const ManifestEntry& entry, const RowRange& rows, uint64_t seed, int64_t n_routed_experts);

}  // namespace fathom::synth
