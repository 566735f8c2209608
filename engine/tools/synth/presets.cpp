#include "tools/synth/presets.hpp"

#include "fathom/error.hpp"

#include <algorithm>
#include <functional>

namespace fathom::synth {

namespace {

struct Preset {
    int64_t hidden, layers, hash_layers, heads, head_dim, q_lora, o_groups, o_lora;
    int64_t experts, experts_per_tok, moe_inter, index_heads, index_topk;
    double routed_scaling;
    std::function<int64_t(int64_t)> ratio;  // compress ratio of main block i
};

// V4-Flash: blocks 0-1 window only, then CSA (4) on even and HCA (128) on odd blocks (21 CSA + 20 HCA).
Preset flash() {
    return {4096, 43, 3, 64, 512, 1024, 8, 1024, 256, 6, 2048, 64, 512, 1.5,
            [](int64_t i) -> int64_t { return i < 2 ? 0 : (i % 2 == 0 ? 4 : 128); }};
}
// V4-Pro: blocks 0-1 HCA, then the same alternation.
Preset pro() {
    return {7168, 61, 3, 128, 512, 1536, 16, 1024, 384, 6, 3072, 64, 1024, 2.5,
            [](int64_t i) -> int64_t { return i < 2 ? 128 : (i % 2 == 0 ? 4 : 128); }};
}
// Small widths, the real vocabulary (so the bundled tokenizer works); every block type and both routings.
Preset tiny() {
    return {256, 4, 2, 4, 128, 128, 2, 128, 8, 2, 256, 8, 16, 1.5, [](int64_t i) -> int64_t {
                static constexpr int64_t kFirst[] = {0, 4, 128, 4};
                return i < 4 ? kFirst[i] : (i % 2 == 0 ? 4 : 128);
            }};
}

}  // namespace

nlohmann::ordered_json preset_config(const std::string& name, const PresetOverrides& o) {
    Preset p;
    if (name == "flash") p = flash();
    else if (name == "pro") p = pro();
    else if (name == "tiny") p = tiny();
    else throw Error("fathom-synth: unknown preset '" + name + "' (expected tiny, flash or pro)");
    if (o.layers) {
        if (*o.layers < 1 || *o.layers > 1000) throw Error("fathom-synth: --layers must be in [1, 1000]");
        p.layers = *o.layers;
        p.hash_layers = std::min(p.hash_layers, p.layers);
    }
    if (o.experts) {
        if (*o.experts < 1 || *o.experts > 4096) throw Error("fathom-synth: --experts must be in [1, 4096]");
        p.experts = *o.experts;
        p.experts_per_tok = std::min(p.experts_per_tok, p.experts);
    }
    std::vector<int64_t> ratios;
    for (int64_t i = 0; i < p.layers; ++i) ratios.push_back(p.ratio(i));
    ratios.push_back(0);  // the MTP block: window only in both releases

    nlohmann::ordered_json c;
    c["architectures"] = {"DeepseekV4ForCausalLM"};
    c["model_type"] = "deepseek_v4";
    c["vocab_size"] = 129280;
    c["hidden_size"] = p.hidden;
    c["moe_intermediate_size"] = p.moe_inter;
    c["num_hidden_layers"] = p.layers;
    c["num_hash_layers"] = p.hash_layers;
    c["num_attention_heads"] = p.heads;
    c["num_key_value_heads"] = 1;
    c["head_dim"] = p.head_dim;
    c["qk_rope_head_dim"] = 64;
    c["q_lora_rank"] = p.q_lora;
    c["o_groups"] = p.o_groups;
    c["o_lora_rank"] = p.o_lora;
    c["n_routed_experts"] = p.experts;
    c["n_shared_experts"] = 1;
    c["num_experts_per_tok"] = p.experts_per_tok;
    c["scoring_func"] = "sqrtsoftplus";
    c["routed_scaling_factor"] = p.routed_scaling;
    c["norm_topk_prob"] = true;
    c["topk_method"] = "noaux_tc";
    c["swiglu_limit"] = 10.0;
    c["hidden_act"] = "silu";
    c["sliding_window"] = 128;
    c["compress_ratios"] = ratios;
    c["compress_rope_theta"] = 160000.0;
    c["rope_theta"] = 10000.0;
    c["rope_scaling"] = {{"type", "yarn"},
                         {"factor", 16},
                         {"original_max_position_embeddings", 65536},
                         {"beta_fast", 32},
                         {"beta_slow", 1}};
    c["index_n_heads"] = p.index_heads;
    c["index_head_dim"] = 128;
    c["index_topk"] = p.index_topk;
    c["hc_mult"] = 4;
    c["hc_sinkhorn_iters"] = 20;
    c["hc_eps"] = 1e-6;
    c["rms_norm_eps"] = 1e-6;
    c["num_nextn_predict_layers"] = 1;
    c["max_position_embeddings"] = 1048576;
    c["bos_token_id"] = 0;
    c["eos_token_id"] = 1;
    c["tie_word_embeddings"] = false;
    c["torch_dtype"] = "bfloat16";
    c["expert_dtype"] = "fp4";
    c["quantization_config"] = {{"activation_scheme", "dynamic"},
                                {"fmt", "e4m3"},
                                {"quant_method", "fp8"},
                                {"scale_fmt", "ue8m0"},
                                {"weight_block_size", {128, 128}}};
    return c;
}

// The spec gives no sampling defaults, so V4's published ones: temperature 1.0, top_p 1.0.
nlohmann::ordered_json generation_config(const nlohmann::ordered_json& config) {
    nlohmann::ordered_json g;
    g["bos_token_id"] = config["bos_token_id"];
    g["eos_token_id"] = config["eos_token_id"];
    g["do_sample"] = true;
    g["temperature"] = 1.0;
    g["top_p"] = 1.0;
    return g;
}

nlohmann::ordered_json tokenizer_config(const nlohmann::ordered_json& config) {
    nlohmann::ordered_json t;
    t["add_bos_token"] = true;
    t["add_eos_token"] = false;
    t["bos_token"] = "<｜begin▁of▁sentence｜>";
    t["eos_token"] = "<｜end▁of▁sentence｜>";
    t["pad_token"] = "<｜end▁of▁sentence｜>";
    t["unk_token"] = nullptr;
    t["clean_up_tokenization_spaces"] = false;
    t["legacy"] = true;
    t["model_max_length"] = config["max_position_embeddings"];
    t["tokenizer_class"] = "LlamaTokenizerFast";
    t["use_default_system_prompt"] = false;
    return t;
}

}  // namespace fathom::synth
