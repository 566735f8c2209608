#include "runtime/backend_session.hpp"

#include "fathom/error.hpp"

namespace fathom::runtime {

BackendSession::BackendSession(const Model& model, const ForwardBackend& backend) : model_(model), backend_(backend) { reset(); }

void BackendSession::reset() {
    caches_.clear();
    tokens_.clear();
    for (int64_t i = 0; i < backend_.num_blocks(); ++i) caches_.push_back(backend_.new_cache(i));
}

void BackendSession::prefill(const int64_t* tokens, int64_t T, float* last_logits, const std::atomic<bool>* cancel) {
    if (T <= 0) return;
    const ModelConfig& c = model_.config();
    if (position() + T > c.max_position_embeddings)
        throw Error("context of " + std::to_string(position() + T) + " tokens exceeds the model's maximum of " +
                    std::to_string(c.max_position_embeddings));
    model_.check_tokens(tokens, T);
    if (cancel && cancel->load()) throw Cancelled();
    try {
        backend_.forward(caches_, tokens, T, last_logits, c.hc_mult * c.hidden_size);
    } catch (...) {
        reset();  // some blocks hold this chunk and others do not: no consistent state is left
        throw;
    }
    tokens_.insert(tokens_.end(), tokens, tokens + T);
}

std::vector<uint8_t> BackendSession::snapshot() const { return backend_.snapshot(caches_, tokens_); }

void BackendSession::restore(std::span<const uint8_t> snapshot) {
    std::vector<int64_t> tokens;
    auto caches = backend_.restore(snapshot, tokens);
    caches_ = std::move(caches);
    tokens_ = std::move(tokens);
}

}  // namespace fathom::runtime
