// The cache state one block keeps for a session: the window ring of raw KV rows, and for compressed blocks the
// compressor's partial block and compressed rows, plus (CSA) the indexer's compressor and its keys.
#pragma once

#include "cpu/compressor.hpp"

#include <cstdint>
#include <vector>

namespace fathom {

struct BlockState {
    int64_t next_pos = 0;          // position of the next token this block will see
    std::vector<float> window;     // [W, D] ring: the row of position p sits at p % W
    cpu::CompressorState kv;       // main compressor (ratio > 0): rows are the compressed KV
    cpu::CompressorState index;    // indexer compressor (ratio 4): rows are the indexer keys
};

// What a block reports for checking against the reference (optional, filled when asked).
struct BlockTrace {
    bool enabled = false;
    std::vector<float> attn_in, attn_out, ffn_in, ffn_out;  // [T, d] each
    std::vector<int32_t> experts;                            // [T, k]
    std::vector<int32_t> indexer_topk;                       // [T, index_topk], -1 where fewer rows were visible
    std::vector<float> kv;                                   // [T, D] window KV rows (after RoPE and FP8)
    std::vector<float> compressed_kv, indexer_keys;          // rows completed during the traced calls
};

}  // namespace fathom
