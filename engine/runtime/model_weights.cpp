#include "runtime/model_weights.hpp"

#include "fathom/error.hpp"
#include "model/weight_decode.hpp"

#include <cstring>

namespace fathom {

std::vector<float> load_vector(const Checkpoint& ck, const std::string& name, const std::vector<int64_t>& shape) {
    auto t = ck.expect_any(name, {DType::F32, DType::BF16}, shape);
    return decode_float_tensor(t);
}

cpu::HcParams HcWeights::params(const ModelConfig& c) const {
    cpu::HcParams p;
    p.fn = fn.data();
    p.base = base.data();
    p.scale = scale.data();
    p.hc = c.hc_mult;
    p.d = c.hidden_size;
    p.sinkhorn_iters = c.hc_sinkhorn_iters;
    p.hc_eps = static_cast<float>(c.hc_eps);
    p.norm_eps = static_cast<float>(c.rms_norm_eps);
    return p;
}

namespace {

HcWeights load_hc(const Checkpoint& ck, const std::string& stem, const ModelConfig& c) {
    const int64_t hc = c.hc_mult, mixes = (2 + hc) * hc;
    HcWeights w;
    w.fn = load_vector(ck, stem + "_fn", {mixes, hc * c.hidden_size});
    w.base = load_vector(ck, stem + "_base", {mixes});
    w.scale = load_vector(ck, stem + "_scale", {3});
    return w;
}

CompressorWeights load_compressor(const Checkpoint& ck, const std::string& stem, int64_t ratio, int64_t width,
                                  const ModelConfig& c) {
    CompressorWeights w;
    w.ratio = ratio;
    w.width = width;
    const int64_t projected = ratio == 4 ? 2 * width : width;
    w.wkv = cpu::bf16_weight(ck, stem + ".wkv.weight", projected, c.hidden_size);
    w.wgate = cpu::bf16_weight(ck, stem + ".wgate.weight", projected, c.hidden_size);
    w.ape = load_vector(ck, stem + ".ape", {ratio, projected});
    w.norm = load_vector(ck, stem + ".norm.weight", {width});
    return w;
}

cpu::ExpertWeights load_fp4_expert(const Checkpoint& ck, const std::string& stem, const ModelConfig& c) {
    const int64_t d = c.hidden_size, inter = c.moe_intermediate_size;
    return {cpu::fp4_weight(ck, stem + ".w1", inter, d), cpu::fp4_weight(ck, stem + ".w2", d, inter),
            cpu::fp4_weight(ck, stem + ".w3", inter, d)};
}

cpu::ExpertWeights load_fp8_expert(const Checkpoint& ck, const std::string& stem, const ModelConfig& c) {
    const int64_t d = c.hidden_size, inter = c.moe_intermediate_size * c.n_shared_experts;
    return {cpu::fp8_weight(ck, stem + ".w1", inter, d), cpu::fp8_weight(ck, stem + ".w2", d, inter),
            cpu::fp8_weight(ck, stem + ".w3", inter, d)};
}

}  // namespace

BlockWeights load_block_weights(const Checkpoint& ck, const std::string& p, int64_t ratio, bool hash_routed) {
    const ModelConfig& c = ck.config();
    const int64_t d = c.hidden_size, H = c.num_attention_heads, D = c.head_dim;
    BlockWeights b;
    b.prefix = p;
    b.ratio = ratio;
    b.hash_routed = hash_routed;
    b.hc_attn = load_hc(ck, p + "hc_attn", c);
    b.hc_ffn = load_hc(ck, p + "hc_ffn", c);
    b.attn_norm = load_vector(ck, p + "attn_norm.weight", {d});
    b.ffn_norm = load_vector(ck, p + "ffn_norm.weight", {d});

    const std::string a = p + "attn.";
    b.attn_sink = load_vector(ck, a + "attn_sink", {H});
    b.wq_a = cpu::fp8_weight(ck, a + "wq_a", c.q_lora_rank, d);
    b.q_norm = load_vector(ck, a + "q_norm.weight", {c.q_lora_rank});
    b.wq_b = cpu::fp8_weight(ck, a + "wq_b", H * D, c.q_lora_rank);
    b.wkv = cpu::fp8_weight(ck, a + "wkv", D, d);
    b.kv_norm = load_vector(ck, a + "kv_norm.weight", {D});
    b.wo_a = cpu::fp8_weight(ck, a + "wo_a", c.o_groups * c.o_lora_rank, H / c.o_groups * D);
    b.wo_b = cpu::fp8_weight(ck, a + "wo_b", d, c.o_groups * c.o_lora_rank);
    if (ratio > 0) b.compressor = load_compressor(ck, a + "compressor", ratio, D, c);
    if (ratio == 4) {
        IndexerWeights ix;
        ix.wq_b = cpu::fp8_weight(ck, a + "indexer.wq_b", c.index_n_heads * c.index_head_dim, c.q_lora_rank);
        ix.weights_proj = cpu::bf16_weight(ck, a + "indexer.weights_proj.weight", c.index_n_heads, d);
        ix.compressor = load_compressor(ck, a + "indexer.compressor", ratio, c.index_head_dim, c);
        b.indexer = std::move(ix);
    }

    const std::string f = p + "ffn.";
    b.gate = cpu::bf16_weight(ck, f + "gate.weight", c.n_routed_experts, d);
    if (hash_routed) {
        auto t = ck.expect_any(f + "gate.tid2eid", {DType::I64, DType::I32}, {c.vocab_size, c.num_experts_per_tok});
        b.tid2eid.resize(static_cast<size_t>(t.info->numel()));
        for (size_t i = 0; i < b.tid2eid.size(); ++i) {
            if (t.dtype() == DType::I64) {
                std::memcpy(&b.tid2eid[i], t.bytes.data() + 8 * i, 8);
            } else {
                int32_t v;
                std::memcpy(&v, t.bytes.data() + 4 * i, 4);
                b.tid2eid[i] = v;
            }
            if (b.tid2eid[i] < 0 || b.tid2eid[i] >= c.n_routed_experts)
                throw Error("checkpoint " + t.file->string() + ": tensor '" + t.name() + "' maps to expert " +
                            std::to_string(b.tid2eid[i]) + ", outside [0, " + std::to_string(c.n_routed_experts) + ")");
        }
    } else {
        b.gate_bias = load_vector(ck, f + "gate.bias", {c.n_routed_experts});
    }
    for (int64_t e = 0; e < c.n_routed_experts; ++e)
        b.experts.push_back(load_fp4_expert(ck, f + "experts." + std::to_string(e), c));
    if (c.n_shared_experts > 0) b.shared_experts.push_back(load_fp8_expert(ck, f + "shared_experts", c));
    b.rope = cpu::Rope::for_block(c, ratio);
    return b;
}

}  // namespace fathom
