// One V4 block over a chunk of consecutive positions: hyper-connection mix, hybrid attention (window, CSA or
// HCA) against the block's cache state, then the MoE, each written back into the hc copies of the stream.
#pragma once

#include "runtime/block_state.hpp"
#include "runtime/model_weights.hpp"

namespace fathom {

class BlockForward {
public:
    BlockForward(const ModelConfig& config, const BlockWeights& weights);

    BlockState new_state() const;
    // h: [T, hc, d] in and out; tokens [T] (hash routing); positions state.next_pos .. + T - 1.
    void run(BlockState& state, const int64_t* tokens, int64_t T, float* h, BlockTrace* trace = nullptr) const;

private:
    void attention(BlockState& state, const float* x, int64_t T, float* out, BlockTrace* trace) const;
    void moe(const float* x, const int64_t* tokens, int64_t T, float* out, BlockTrace* trace) const;

    const ModelConfig& c_;
    const BlockWeights& w_;
    cpu::CompressorParams kv_params_, index_params_;
};

}  // namespace fathom
