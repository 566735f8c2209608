// Snapshots of a session's whole cache state at a token boundary (any boundary, mid compressor block too):
// versioned, tied to the model's fingerprint and the token ids, checksummed, and refused with a clear error
// when they belong to another model or format or are damaged.
#pragma once

#include "model/model_fingerprint.hpp"
#include "runtime/block_state.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace fathom {

constexpr uint32_t kSnapshotFormatVersion = 2;  // 2: FP8-exact blocks stored as codes

struct SessionState {
    std::vector<int64_t> tokens;       // every token fed so far (position = tokens.size())
    std::vector<BlockState> blocks;
};

// What a block's cache holds, to check a snapshot against: compress ratio and row widths.
struct BlockLayout {
    int64_t ratio = 0, kv_width = 0, index_width = 0;
};

uint64_t hash_tokens(std::span<const int64_t> tokens);

std::vector<uint8_t> serialize_session(const SessionState& state, const ModelFingerprint& fingerprint);
// Throws fathom::Error: wrong magic, other format version, other model, checksum mismatch, sizes that do not fit
// the expected block layout (given by `templates`: fresh states of each block, which fix every buffer's size).
SessionState deserialize_session(std::span<const uint8_t> bytes, const ModelFingerprint& fingerprint,
                                 const std::vector<BlockState>& templates, const std::vector<BlockLayout>& layouts);

}  // namespace fathom
