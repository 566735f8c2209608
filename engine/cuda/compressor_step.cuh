// One token through a compressor (CSA, HCA or the indexer's) on the GPU with the token's position read from device
// memory, so a recorded decode step replays unchanged at every position. Twin of the chunked path in cuda_attention.cu.
#pragma once

#include "cuda/current_stream.cuh"

#include <cstdint>

namespace fathom::cuda {

struct CompressorStep {
    const float* a = nullptr;      // [pw] the token's kv projection (pw = 2c for ratio 4, else c)
    const float* z = nullptr;      // [pw] its gate projection, without the positional bias
    const float* ape = nullptr;    // [ratio, pw] the positional bias within a block
    float* block_a = nullptr;      // [ratio, pw] the partial block: slot pos % ratio gets this token
    float* block_z = nullptr;
    float* prev_a = nullptr;       // [ratio, c] the last completed block's first halves (ratio 4)
    float* prev_z = nullptr;
    float* rows = nullptr;         // [capacity, c]: row pos / ratio is written when the token completes a block
    const float* norm = nullptr;   // [c]
    const float* freqs = nullptr;  // [rope_dims / 2]
    const int64_t* position = nullptr;
    int64_t ratio = 0, width = 0, rope_dims = 0;
    float eps = 0.0f;
    bool indexer = false;          // indexer keys: Hadamard + FP4; else FP8 on the non-rope dims
};

// Appends the token to the partial block; when it completes the block, pools it (with the previous block's first
// halves at ratio 4), then RMSNorm, RoPE at the block's first position and the rounding, into its row, and keeps
// the block's first halves for the next one. The same arithmetic as compressor_pool, rms_norm_rows, rope_rows and
// fp8_round_rows / hadamard_fp4_rows on a one-block chunk. width <= 1024.
void compressor_step(const CompressorStep& step, cudaStream_t s = current_stream());

}  // namespace fathom::cuda
