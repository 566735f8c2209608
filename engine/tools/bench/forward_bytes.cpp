#include "forward_bytes.hpp"

#include "runtime/model.hpp"

#include <algorithm>

namespace fathom::bench {

namespace {
uint64_t expert_bytes(const cpu::ExpertWeights& e) { return e.w1.bytes() + e.w2.bytes() + e.w3.bytes(); }
}  // namespace

uint64_t decode_step_bytes(const runtime::Model& m) {
    const auto& c = m.config();
    uint64_t total = m.head_weight().bytes() + static_cast<uint64_t>(c.hidden_size) * 2;  // head + one embedding row
    for (int64_t i = 0; i < m.num_blocks(); ++i) {
        const auto& b = m.block_weights(i);
        total += b.wq_a.bytes() + b.wq_b.bytes() + b.wkv.bytes() + b.wo_a.bytes() + b.wo_b.bytes() + b.gate.bytes();
        total += (b.hc_attn.fn.size() + b.hc_ffn.fn.size()) * 4;
        if (b.compressor) total += b.compressor->wkv.bytes() + b.compressor->wgate.bytes();
        if (b.indexer)
            total += b.indexer->wq_b.bytes() + b.indexer->weights_proj.bytes() + b.indexer->compressor.wkv.bytes() +
                     b.indexer->compressor.wgate.bytes();
        if (!b.experts.empty()) total += static_cast<uint64_t>(c.num_experts_per_tok) * expert_bytes(b.experts[0]);
        for (const auto& s : b.shared_experts) total += expert_bytes(s);
    }
    return total;
}

namespace {
double params(const cpu::Weight& w) { return static_cast<double>(w.out) * static_cast<double>(w.in); }
double expert_params(const cpu::ExpertWeights& e) { return params(e.w1) + params(e.w2) + params(e.w3); }
}  // namespace

double prefill_flops(const runtime::Model& m, int64_t begin, int64_t end) {
    const auto& c = m.config();
    const double tokens = static_cast<double>(end - begin);
    double per_token = 0, attention = 0;
    for (int64_t i = 0; i < m.num_blocks(); ++i) {
        const auto& b = m.block_weights(i);
        per_token += params(b.wq_a) + params(b.wq_b) + params(b.wkv) + params(b.wo_a) + params(b.wo_b) + params(b.gate);
        per_token += static_cast<double>(b.hc_attn.fn.size() + b.hc_ffn.fn.size());
        if (b.compressor) per_token += params(b.compressor->wkv) + params(b.compressor->wgate);
        if (b.indexer)
            per_token += params(b.indexer->wq_b) + params(b.indexer->weights_proj) + params(b.indexer->compressor.wkv) +
                         params(b.indexer->compressor.wgate);
        if (!b.experts.empty()) per_token += static_cast<double>(c.num_experts_per_tok) * expert_params(b.experts[0]);
        for (const auto& s : b.shared_experts) per_token += expert_params(s);
        for (int64_t p = begin; p < end; ++p) {
            double rows = static_cast<double>(std::min(c.sliding_window, p + 1));
            if (b.ratio == 4) {
                const double visible = static_cast<double>((p + 1) / 4);
                rows += std::min(static_cast<double>(c.index_topk), visible);
                attention += 2.0 * static_cast<double>(c.index_n_heads * c.index_head_dim) * visible;  // indexer scores
            } else if (b.ratio > 0) {
                rows += static_cast<double>((p + 1) / b.ratio);
            }
            attention += 4.0 * static_cast<double>(c.num_attention_heads * c.head_dim) * rows;  // QK^T and PV
        }
    }
    return 2.0 * per_token * tokens + attention + 2.0 * params(m.head_weight());
}

}  // namespace fathom::bench
