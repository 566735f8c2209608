// Model: a loaded V4 checkpoint ready for the CPU forward pass (blocks, embedding, head); Session: one token
// context with every block's cache state, fed by prefill of any length and single-token decode steps.
#pragma once

#include "runtime/block_forward.hpp"
#include "runtime/model_weights.hpp"
#include "runtime/session_snapshot.hpp"

#include <atomic>
#include <memory>
#include <vector>

namespace fathom::runtime {

class Model {
public:
    explicit Model(Checkpoint checkpoint);  // validates and maps every weight; throws fathom::Error
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const ModelConfig& config() const { return ck_.config(); }
    const Checkpoint& checkpoint() const { return ck_; }
    int64_t num_blocks() const { return static_cast<int64_t>(blocks_.size()); }
    const BlockForward& block(int64_t i) const { return *forwards_.at(static_cast<size_t>(i)); }
    const BlockWeights& block_weights(int64_t i) const { return blocks_.at(static_cast<size_t>(i)); }
    const cpu::Weight& embed_weight() const { return embed_; }
    const cpu::Weight& head_weight() const { return head_; }
    const std::vector<float>& norm_weight() const { return norm_; }
    const HcWeights& hc_head_weights() const { return hc_head_; }

    // h [T, hc, d] = the embedding row of each token repeated hc times.
    void embed(const int64_t* tokens, int64_t T, float* h) const;
    // logits [T, V] from the hc state [T, hc, d] after the last block.
    void head(const float* h, int64_t T, float* logits) const;
    void check_tokens(const int64_t* tokens, int64_t T) const;  // ids inside the vocabulary, else fathom::Error
    const ModelFingerprint& fingerprint() const { return fingerprint_; }
    std::vector<BlockLayout> block_layouts() const;

private:
    Checkpoint ck_;
    std::vector<BlockWeights> blocks_;
    std::vector<std::unique_ptr<BlockForward>> forwards_;
    BlockWeights mtp_;  // loaded and checked; not used for speculative decoding yet
    cpu::Weight embed_, head_;
    std::vector<float> norm_;
    HcWeights hc_head_;
    ModelFingerprint fingerprint_;
};

class Session {
public:
    explicit Session(const Model& model);

    int64_t position() const { return pos_; }
    // Feeds tokens at the next positions. Writes logits of every position to `all_logits` [T, V] when given,
    // else of the last one only to `last_logits` [V]. Traces per block when `traces` is given.
    void prefill(const int64_t* tokens, int64_t T, float* last_logits, float* all_logits = nullptr,
                 std::vector<BlockTrace>* traces = nullptr, const std::atomic<bool>* cancel = nullptr);
    void decode(int64_t token, float* logits, std::vector<BlockTrace>* traces = nullptr);

    const std::vector<int64_t>& tokens() const { return tokens_; }
    // The whole cache state at this token boundary; restore() replaces this session's state with a snapshot's
    // (throws fathom::Error for another model, another format or a damaged snapshot; the session is unchanged then).
    std::vector<uint8_t> snapshot() const;
    void restore(std::span<const uint8_t> snapshot);

private:
    const Model& model_;
    std::vector<BlockState> states_;
    std::vector<int64_t> tokens_;
    int64_t pos_ = 0;
};

}  // namespace fathom::runtime
