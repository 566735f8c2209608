#include "forward_bytes.hpp"

#include "runtime/model.hpp"

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

}  // namespace fathom::bench
