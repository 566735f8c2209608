// One token context run through a ForwardBackend (the CPU reference or the GPU): every block's cache, the tokens
// so far, prefill of any length and decode steps, snapshots in the backends' shared format.
#pragma once

#include "runtime/forward_backend.hpp"
#include "runtime/model.hpp"

#include <atomic>
#include <span>

namespace fathom::runtime {

class BackendSession {
public:
    BackendSession(const Model& model, const ForwardBackend& backend);

    int64_t position() const { return static_cast<int64_t>(tokens_.size()); }
    const std::vector<int64_t>& tokens() const { return tokens_; }
    // Feeds T tokens at the next positions and writes the last one's logits [V]. Cancellation is checked before
    // the first block; an error inside a block leaves the caches unusable, so the session is reset (empty) then
    // and the error rethrown: the caller restores a snapshot or starts over.
    void prefill(const int64_t* tokens, int64_t T, float* last_logits, const std::atomic<bool>* cancel = nullptr);
    void decode(int64_t token, float* logits) { prefill(&token, 1, logits); }
    // See ForwardBackend::sample_last: the last step's logits sampled where they are (-1: sample them on the host).
    int32_t sample_last(float temperature, float top_p, int64_t vocab_limit, double u) const {
        return backend_.sample_last(temperature, top_p, vocab_limit, u);
    }
    int64_t preferred_prefill_chunk() const { return backend_.preferred_prefill_chunk(position()); }
    std::vector<uint8_t> snapshot() const;
    void restore(std::span<const uint8_t> snapshot);  // unchanged on error
    void reset();

private:
    const Model& model_;
    const ForwardBackend& backend_;
    std::vector<std::unique_ptr<BlockCache>> caches_;
    std::vector<int64_t> tokens_;
};

}  // namespace fathom::runtime
