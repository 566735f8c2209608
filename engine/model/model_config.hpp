// ModelConfig: the hyper-parameters of a DeepSeek-V4 checkpoint, read from its config.json.
// A missing or invalid required field is an error naming the field and the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace fathom {

struct YarnScaling {
    double factor = 1.0;
    int64_t original_max_position_embeddings = 0;
    double beta_fast = 32.0;
    double beta_slow = 1.0;
};

struct ModelConfig {
    int64_t vocab_size = 0;
    int64_t hidden_size = 0;             // d
    int64_t num_hidden_layers = 0;       // blocks, MTP excluded
    int64_t num_hash_layers = 0;
    int64_t num_attention_heads = 0;     // H
    int64_t head_dim = 0;                // D
    int64_t qk_rope_head_dim = 0;        // r: the last r dims of a head carry RoPE
    int64_t q_lora_rank = 0;
    int64_t o_groups = 0;
    int64_t o_lora_rank = 0;
    int64_t n_routed_experts = 0;
    int64_t n_shared_experts = 0;
    int64_t num_experts_per_tok = 0;
    int64_t moe_intermediate_size = 0;
    std::string scoring_func;            // "sqrtsoftplus"
    double routed_scaling_factor = 1.0;
    double swiglu_limit = 0.0;
    int64_t sliding_window = 0;          // W
    std::vector<int64_t> compress_ratios;  // one per block plus one per MTP block
    double rope_theta = 10000.0;
    double compress_rope_theta = 10000.0;
    YarnScaling rope_scaling;
    int64_t index_n_heads = 0;
    int64_t index_head_dim = 0;
    int64_t index_topk = 0;
    int64_t hc_mult = 0;
    int64_t hc_sinkhorn_iters = 0;
    double hc_eps = 1e-6;
    double rms_norm_eps = 1e-6;
    int64_t num_nextn_predict_layers = 0;
    int64_t max_position_embeddings = 0;
    int64_t bos_token_id = 0;
    int64_t eos_token_id = 1;

    int64_t compress_ratio(int64_t block) const { return compress_ratios.at(static_cast<size_t>(block)); }
    bool is_hash_block(int64_t block) const { return block < num_hash_layers; }

    static ModelConfig from_json(const nlohmann::json& j, const std::string& file_label);
    static ModelConfig load(const std::filesystem::path& config_json);  // throws fathom::Error
};

}  // namespace fathom
