#include "runtime/model.hpp"

#include "cpu/rms_norm.hpp"
#include "cpu/thread_pool.hpp"
#include "fathom/error.hpp"
#include "model/number_formats.hpp"

#include <cstring>

namespace fathom::runtime {

Model::Model(Checkpoint checkpoint) : ck_(std::move(checkpoint)) {
    const ModelConfig& c = ck_.config();
    const int64_t d = c.hidden_size, hc = c.hc_mult;
    blocks_.reserve(static_cast<size_t>(c.num_hidden_layers));
    for (int64_t i = 0; i < c.num_hidden_layers; ++i)
        blocks_.push_back(load_block_weights(ck_, "layers." + std::to_string(i) + ".", c.compress_ratio(i), c.is_hash_block(i)));
    for (const auto& b : blocks_) forwards_.push_back(std::make_unique<BlockForward>(c, b));
    if (c.num_nextn_predict_layers > 0)
        mtp_ = load_block_weights(ck_, "mtp.0.", c.compress_ratio(c.num_hidden_layers), false);
    embed_ = cpu::bf16_weight(ck_, "embed.weight", c.vocab_size, d);
    head_ = cpu::bf16_weight(ck_, "head.weight", c.vocab_size, d);
    norm_ = load_vector(ck_, "norm.weight", {d});
    hc_head_.fn = load_vector(ck_, "hc_head_fn", {hc, hc * d});
    hc_head_.base = load_vector(ck_, "hc_head_base", {hc});
    hc_head_.scale = load_vector(ck_, "hc_head_scale", {1});
    fingerprint_ = fingerprint_checkpoint(ck_);
}

std::vector<BlockLayout> Model::block_layouts() const {
    std::vector<BlockLayout> out;
    for (const auto& b : blocks_) out.push_back({b.ratio, config().head_dim, config().index_head_dim});
    return out;
}

void Model::check_tokens(const int64_t* tokens, int64_t T) const {
    for (int64_t t = 0; t < T; ++t)
        if (tokens[t] < 0 || tokens[t] >= config().vocab_size)
            throw Error("token id " + std::to_string(tokens[t]) + " at index " + std::to_string(t) +
                        " is outside the vocabulary [0, " + std::to_string(config().vocab_size) + ")");
}

void Model::embed(const int64_t* tokens, int64_t T, float* h) const {
    check_tokens(tokens, T);
    const int64_t d = config().hidden_size, hc = config().hc_mult;
    std::vector<float> row(static_cast<size_t>(d));
    for (int64_t t = 0; t < T; ++t) {
        cpu::decode_row(embed_, tokens[t], row.data());
        for (int64_t i = 0; i < hc; ++i) std::memcpy(h + (t * hc + i) * d, row.data(), static_cast<size_t>(d) * 4);
    }
}

void Model::head(const float* h, int64_t T, float* logits) const {
    const ModelConfig& c = config();
    const int64_t d = c.hidden_size, hc = c.hc_mult;
    std::vector<float> x(static_cast<size_t>(T * d));
    cpu::HcParams p = hc_head_.params(c);
    for (int64_t t = 0; t < T; ++t) {
        cpu::hc_head(p, h + t * hc * d, x.data() + t * d);
        cpu::rms_norm(x.data() + t * d, norm_.data(), d, static_cast<float>(c.rms_norm_eps), x.data() + t * d);
    }
    cpu::linear(head_, x.data(), T, logits);
}

Session::Session(const Model& model) : model_(model) {
    for (int64_t i = 0; i < model.num_blocks(); ++i) states_.push_back(model.block(i).new_state());
}

void Session::prefill(const int64_t* tokens, int64_t T, float* last_logits, float* all_logits,
                      std::vector<BlockTrace>* traces, const std::atomic<bool>* cancel) {
    if (T <= 0) return;
    const ModelConfig& c = model_.config();
    if (pos_ + T > c.max_position_embeddings)
        throw Error("context of " + std::to_string(pos_ + T) + " tokens exceeds the model's maximum of " +
                    std::to_string(c.max_position_embeddings));
    model_.check_tokens(tokens, T);
    const int64_t hc = c.hc_mult, d = c.hidden_size;
    std::vector<float> h(static_cast<size_t>(T * hc * d));
    model_.embed(tokens, T, h.data());
    // Blocks mutate their state; on cancellation between blocks the session is rolled back by the caller
    // discarding it, so check before any block runs its first token.
    for (int64_t i = 0; i < model_.num_blocks(); ++i) {
        if (cancel && cancel->load() && i == 0) throw Cancelled();
        BlockTrace* trace = traces ? &(*traces)[static_cast<size_t>(i)] : nullptr;
        model_.block(i).run(states_[static_cast<size_t>(i)], tokens, T, h.data(), trace);
    }
    pos_ += T;
    tokens_.insert(tokens_.end(), tokens, tokens + T);
    if (all_logits) {
        model_.head(h.data(), T, all_logits);
        if (last_logits) std::memcpy(last_logits, all_logits + (T - 1) * c.vocab_size, static_cast<size_t>(c.vocab_size) * 4);
    } else if (last_logits) {
        model_.head(h.data() + (T - 1) * hc * d, 1, last_logits);
    }
}

void Session::decode(int64_t token, float* logits, std::vector<BlockTrace>* traces) {
    prefill(&token, 1, logits, nullptr, traces);
}

std::vector<uint8_t> Session::snapshot() const {
    SessionState st;
    st.tokens = tokens_;
    st.blocks = states_;
    return serialize_session(st, model_.fingerprint());
}

void Session::restore(std::span<const uint8_t> snapshot) {
    std::vector<BlockState> templates;
    for (int64_t i = 0; i < model_.num_blocks(); ++i) templates.push_back(model_.block(i).new_state());
    SessionState st = deserialize_session(snapshot, model_.fingerprint(), templates, model_.block_layouts());
    states_ = std::move(st.blocks);
    tokens_ = std::move(st.tokens);
    pos_ = static_cast<int64_t>(tokens_.size());
}

}  // namespace fathom::runtime
