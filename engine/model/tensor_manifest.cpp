#include "model/tensor_manifest.hpp"

#include "fathom/error.hpp"

#include <functional>

namespace fathom {

std::string_view tensor_kind_name(TensorKind kind) {
    switch (kind) {
        case TensorKind::Fp8Weight: return "fp8 weight";
        case TensorKind::Fp8Scale: return "fp8 block scales";
        case TensorKind::Fp4Weight: return "fp4 weight";
        case TensorKind::Fp4Scale: return "fp4 scales";
        case TensorKind::Matrix: return "matrix";
        case TensorKind::NormWeight: return "norm";
        case TensorKind::Parameter: return "parameter";
        case TensorKind::ExpertTable: return "expert table";
    }
    return "?";
}

bool ManifestEntry::allows(DType d) const {
    for (DType a : dtypes)
        if (a == d) return true;
    return false;
}

int64_t ManifestEntry::numel() const {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
}

uint64_t ManifestEntry::nbytes() const { return static_cast<uint64_t>(numel()) * dtype_size(dtype()); }

std::string ManifestEntry::dtypes_text() const {
    std::string s;
    for (DType d : dtypes) s += (s.empty() ? "" : " or ") + std::string(dtype_name(d));
    return s;
}

void TensorManifest::add(ManifestEntry e) {
    if (!index_.emplace(e.name, entries_.size()).second)
        throw Error("tensor manifest: '" + e.name + "' listed twice (a bug in the manifest)");
    (e.routed_expert() ? routed_expert_bytes_ : dense_bytes_) += e.nbytes();
    entries_.push_back(std::move(e));
}

const ManifestEntry* TensorManifest::find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &entries_[it->second];
}

namespace {

int64_t blocks_of(int64_t n, int64_t block) { return (n + block - 1) / block; }

// Appends the tensors of one block (or of the top level) under a common prefix.
class BlockLister {
public:
    BlockLister(const std::function<void(ManifestEntry)>& add, std::string block)
        : add_(add), block_(std::move(block)) {}

    void tensor(const std::string& name, std::vector<DType> dtypes, std::vector<int64_t> shape, TensorKind kind,
                int64_t expert = -1) {
        add_({block_ + name, std::move(dtypes), std::move(shape), kind, block_, expert});
    }
    void norm(const std::string& name, int64_t width) { tensor(name, {DType::BF16}, {width}, TensorKind::NormWeight); }
    void f32(const std::string& name, std::vector<int64_t> shape) {
        tensor(name, {DType::F32}, std::move(shape), TensorKind::Parameter);
    }
    void bf16_matrix(const std::string& name, int64_t out, int64_t in) {
        tensor(name, {DType::BF16}, {out, in}, TensorKind::Matrix);
    }
    void fp8_linear(const std::string& stem, int64_t out, int64_t in) {
        tensor(stem + ".weight", {DType::F8_E4M3}, {out, in}, TensorKind::Fp8Weight);
        tensor(stem + ".scale", {DType::F8_E8M0}, {blocks_of(out, 128), blocks_of(in, 128)}, TensorKind::Fp8Scale);
    }
    void fp4_linear(const std::string& stem, int64_t out, int64_t in, int64_t expert) {
        if (in % 32 != 0)
            throw Error("tensor manifest: " + block_ + stem + " has " + std::to_string(in) +
                        " inputs; FP4 experts need a multiple of 32 (hidden_size and moe_intermediate_size)");
        tensor(stem + ".weight", {DType::I8}, {out, in / 2}, TensorKind::Fp4Weight, expert);
        tensor(stem + ".scale", {DType::F8_E8M0}, {out, in / 32}, TensorKind::Fp4Scale, expert);
    }
    // hc_attn / hc_ffn mix (2+hc)*hc values from the flattened [hc, d] state; hc_head mixes hc.
    void hyper_connection(const std::string& stem, int64_t mixes, int64_t scales, const ModelConfig& c) {
        tensor(stem + "_fn", {DType::F32}, {mixes, c.hc_mult * c.hidden_size}, TensorKind::Matrix);
        f32(stem + "_base", {mixes});
        f32(stem + "_scale", {scales});
    }
    void compressor(const std::string& stem, int64_t ratio, int64_t width, const ModelConfig& c) {
        const int64_t projected = ratio == 4 ? 2 * width : width;  // overlapping blocks carry two halves
        bf16_matrix(stem + ".wkv.weight", projected, c.hidden_size);
        bf16_matrix(stem + ".wgate.weight", projected, c.hidden_size);
        f32(stem + ".ape", {ratio, projected});
        norm(stem + ".norm.weight", width);
    }

private:
    const std::function<void(ManifestEntry)>& add_;
    std::string block_;
};

void list_block(BlockLister& b, const ModelConfig& c, int64_t ratio, bool hash_routed) {
    const int64_t d = c.hidden_size, H = c.num_attention_heads, D = c.head_dim, hc = c.hc_mult;
    const int64_t mixes = (2 + hc) * hc;
    b.hyper_connection("hc_attn", mixes, 3, c);
    b.hyper_connection("hc_ffn", mixes, 3, c);
    b.norm("attn_norm.weight", d);
    b.norm("ffn_norm.weight", d);

    b.f32("attn.attn_sink", {H});
    b.fp8_linear("attn.wq_a", c.q_lora_rank, d);
    b.norm("attn.q_norm.weight", c.q_lora_rank);
    b.fp8_linear("attn.wq_b", H * D, c.q_lora_rank);
    b.fp8_linear("attn.wkv", D, d);
    b.norm("attn.kv_norm.weight", D);
    b.fp8_linear("attn.wo_a", c.o_groups * c.o_lora_rank, H / c.o_groups * D);
    b.fp8_linear("attn.wo_b", d, c.o_groups * c.o_lora_rank);
    if (ratio > 0) b.compressor("attn.compressor", ratio, D, c);
    if (ratio == 4) {
        b.fp8_linear("attn.indexer.wq_b", c.index_n_heads * c.index_head_dim, c.q_lora_rank);
        b.bf16_matrix("attn.indexer.weights_proj.weight", c.index_n_heads, d);
        b.compressor("attn.indexer.compressor", ratio, c.index_head_dim, c);
    }

    b.bf16_matrix("ffn.gate.weight", c.n_routed_experts, d);
    if (hash_routed)
        b.tensor("ffn.gate.tid2eid", {DType::I64, DType::I32}, {c.vocab_size, c.num_experts_per_tok},
                 TensorKind::ExpertTable);
    else
        b.f32("ffn.gate.bias", {c.n_routed_experts});
    const int64_t inter = c.moe_intermediate_size;
    for (int64_t e = 0; e < c.n_routed_experts; ++e) {
        const std::string stem = "ffn.experts." + std::to_string(e);
        b.fp4_linear(stem + ".w1", inter, d, e);
        b.fp4_linear(stem + ".w2", d, inter, e);
        b.fp4_linear(stem + ".w3", inter, d, e);
    }
    if (c.n_shared_experts > 0) {
        const int64_t shared = inter * c.n_shared_experts;
        b.fp8_linear("ffn.shared_experts.w1", shared, d);
        b.fp8_linear("ffn.shared_experts.w2", d, shared);
        b.fp8_linear("ffn.shared_experts.w3", shared, d);
    }
}

}  // namespace

TensorManifest TensorManifest::for_config(const ModelConfig& c) {
    TensorManifest m;
    const std::function<void(ManifestEntry)> add = [&m](ManifestEntry e) { m.add(std::move(e)); };
    const int64_t d = c.hidden_size, hc = c.hc_mult;
    const int64_t blocks = c.num_hidden_layers, mtp_blocks = c.num_nextn_predict_layers;
    if (static_cast<int64_t>(c.compress_ratios.size()) < blocks + mtp_blocks)
        throw Error("tensor manifest: compress_ratios has " + std::to_string(c.compress_ratios.size()) +
                    " entries, the config has " + std::to_string(blocks + mtp_blocks) + " blocks (MTP included)");

    BlockLister top(add, "");
    top.bf16_matrix("embed.weight", c.vocab_size, d);
    for (int64_t i = 0; i < blocks; ++i) {
        BlockLister b(add, "layers." + std::to_string(i) + ".");
        list_block(b, c, c.compress_ratio(i), c.is_hash_block(i));
    }
    // MTP blocks follow the main blocks in compress_ratios and in the hash rule (block index >= num_hash_layers
    // in every release, so they route by score, as v4-tiny-a shows with its mtp.0.ffn.gate.bias).
    for (int64_t k = 0; k < mtp_blocks; ++k) {
        BlockLister b(add, "mtp." + std::to_string(k) + ".");
        list_block(b, c, c.compress_ratio(blocks + k), c.is_hash_block(blocks + k));
        b.fp8_linear("e_proj", d, d);
        b.fp8_linear("h_proj", d, d);
        b.norm("enorm.weight", d);
        b.norm("hnorm.weight", d);
        b.norm("norm.weight", d);
        b.hyper_connection("hc_head", hc, 1, c);
    }
    top.norm("norm.weight", d);
    top.bf16_matrix("head.weight", c.vocab_size, d);
    top.hyper_connection("hc_head", hc, 1, c);
    return m;
}

}  // namespace fathom
