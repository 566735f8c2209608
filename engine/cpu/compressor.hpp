// The KV compressor of CSA (ratio 4, overlapping blocks) and HCA (ratio 128): pools each block of m tokens
// into one row with a per-channel softmax gate, then norm, RoPE at the block's first position and rounding.
#pragma once

#include "cpu/rope.hpp"

#include <cstdint>
#include <vector>

namespace fathom::cpu {

enum class CompressedRounding { Fp8Kv, HadamardFp4 };

struct CompressorParams {
    int64_t ratio = 0;           // m
    int64_t width = 0;           // c: head size of a row
    const float* ape = nullptr;  // [m, c or 2c]
    const float* norm = nullptr; // [c]
    float norm_eps = 1e-6f;
    const Rope* rope = nullptr;
    CompressedRounding rounding = CompressedRounding::Fp8Kv;

    bool overlapping() const { return ratio == 4; }
    int64_t projected_width() const { return overlapping() ? 2 * width : width; }
};

// What a session keeps between tokens: the partial block, the previous block's first halves (ratio 4), rows.
struct CompressorState {
    std::vector<float> block_a, block_z;  // [m, projected width] of the current block, `filled` rows valid
    std::vector<float> prev_a, prev_z;    // [m, c]: the first-c halves of the previous complete block
    int64_t filled = 0;
    bool has_prev = false;
    std::vector<float> rows;              // [count, c]: every compressed row so far
    int64_t count = 0;

    void reset(const CompressorParams& p);
};

// Adds one token's projections a = wkv x and z = wgate x (width projected_width) at position pos (positions
// arrive in order). Returns true when the token completes a block; the new row is then appended to state.rows.
bool compressor_push(const CompressorParams& p, CompressorState& state, const float* a, const float* z, int64_t pos);

}  // namespace fathom::cpu
