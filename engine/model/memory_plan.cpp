#include "model/memory_plan.hpp"

#include "fathom/error.hpp"

#include <algorithm>

namespace fathom {

bool is_routed_expert_tensor(const std::string& name) { return name.find(".ffn.experts.") != std::string::npos; }

WeightBytes count_weight_bytes(const Checkpoint& checkpoint) {
    WeightBytes w;
    w.shard_count = static_cast<int64_t>(checkpoint.shards().size());
    for (const auto& shard : checkpoint.shards())
        for (const auto& t : shard->header().tensors) {
            ++w.tensor_count;
            w.total += t.nbytes();
            w.by_dtype[t.dtype] += t.nbytes();
            if (is_routed_expert_tensor(t.name)) w.routed_experts += t.nbytes();
        }
    w.dense = w.total - w.routed_experts;
    return w;
}

namespace {

constexpr uint64_t kF32 = 4;

// A compressor's unfinished block, kept in fp32 until the block completes: projections a and gates z of
// up to m tokens (width 2c for ratio 4, whose first halves feed the next block), and for ratio 4 the
// previous block's first halves as well.
uint64_t partial_block_bytes(int64_t ratio, int64_t width) {
    const uint64_t m = static_cast<uint64_t>(ratio), c = static_cast<uint64_t>(width);
    if (ratio == 4) return (m * 2 * c + m * c) * 2 * kF32;
    return m * c * 2 * kF32;
}

uint64_t workspace_bytes(const ModelConfig& c, const MemoryPlanOptions& o) {
    const uint64_t chunk = static_cast<uint64_t>(std::min(o.prefill_chunk, o.context_tokens));
    return chunk * prefill_bytes_per_token(c, o.context_tokens) + static_cast<uint64_t>(c.vocab_size) * kF32;
}

}  // namespace

// Activations of one prefill chunk in fp32, per token: the hyper-connection state in and out, sublayer input, query
// path, attention output and scores, grouped output, indexer query and its score of every visible compressed row
// (context / 4), compressor projections, gate scores and the chosen experts' SwiGLU. An estimate of the buffers the
// forward pass holds at once; FP8 copies of matmul inputs and the final logits row are small beside it.
uint64_t prefill_bytes_per_token(const ModelConfig& c, int64_t context_tokens) {
    bool has_csa = false;
    for (int64_t r : c.compress_ratios) has_csa = has_csa || r == 4;
    // Rows one query scores: the window plus the compressed rows it may see (top-k for CSA, all for HCA).
    int64_t scored_rows = std::min(c.sliding_window, context_tokens);
    int64_t compressed_rows = has_csa ? c.index_topk : 0;
    for (int64_t r : c.compress_ratios)
        if (r > 0 && r != 4) compressed_rows = std::max(compressed_rows, context_tokens / r);
    scored_rows += compressed_rows;
    const int64_t per_token = 2 * c.hc_mult * c.hidden_size + c.hidden_size + c.q_lora_rank +
                              2 * c.num_attention_heads * c.head_dim + c.head_dim + c.o_groups * c.o_lora_rank +
                              c.num_attention_heads * scored_rows + c.index_n_heads * c.index_head_dim +
                              (has_csa ? context_tokens / 4 : 0) + 4 * c.head_dim +
                              c.n_routed_experts + 2 * (c.num_experts_per_tok + c.n_shared_experts) * c.moe_intermediate_size;
    return static_cast<uint64_t>(per_token) * kF32;
}

MemoryPlan plan_memory(const ModelConfig& c, const WeightBytes& weights, const MemoryPlanOptions& options) {
    if (options.context_tokens <= 0 || options.prefill_chunk <= 0 || options.cache_value_bytes <= 0)
        throw Error("memory plan: context, prefill chunk and cache value size must be positive");
    MemoryPlan p;
    p.options = options;
    p.weights = weights;
    const uint64_t n = static_cast<uint64_t>(options.context_tokens);
    const uint64_t v = static_cast<uint64_t>(options.cache_value_bytes);
    const uint64_t d = static_cast<uint64_t>(c.head_dim), index_d = static_cast<uint64_t>(c.index_head_dim);
    const uint64_t window_rows = std::min<uint64_t>(static_cast<uint64_t>(c.sliding_window), n);

    std::map<int64_t, LayerCacheCost> by_ratio;
    const int64_t blocks = std::min<int64_t>(static_cast<int64_t>(c.compress_ratios.size()),
                                             c.num_hidden_layers + c.num_nextn_predict_layers);
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t m = c.compress_ratio(b);
        LayerCacheCost& cost = by_ratio[m];
        cost.ratio = m;
        ++cost.blocks;
        cost.window_bytes += window_rows * d * v;
        if (m == 0) continue;
        const uint64_t mu = static_cast<uint64_t>(m);
        // A compressed row of D per m tokens; CSA adds the indexer's key of index_head_dim per 4 tokens.
        cost.compressed_bytes += (n / mu) * d * v;
        cost.partial_block_bytes += partial_block_bytes(m, c.head_dim);
        cost.bytes_per_token_per_block = static_cast<double>(d * v) / static_cast<double>(mu);
        if (m == 4) {
            cost.compressed_bytes += (n / 4) * index_d * v;
            cost.partial_block_bytes += partial_block_bytes(4, c.index_head_dim);
            cost.bytes_per_token_per_block += static_cast<double>(index_d * v) / 4.0;
        }
    }
    for (const auto& [ratio, cost] : by_ratio) {
        p.cache_by_ratio.push_back(cost);
        p.cache_bytes_per_token += cost.bytes_per_token_per_block * static_cast<double>(cost.blocks);
        p.cache_bytes += cost.window_bytes + cost.compressed_bytes + cost.partial_block_bytes;
    }
    p.workspace_bytes = workspace_bytes(c, options);
    p.gpu_bytes = weights.dense + p.cache_bytes + p.workspace_bytes;
    p.host_bytes = weights.routed_experts;
    return p;
}

}  // namespace fathom
