#include "model/model_config.hpp"

#include "fathom/error.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

namespace fathom {

namespace {

// Reads the fields of one JSON object; `prefix` names the object in messages ("rope_scaling.factor").
class FieldReader {
public:
    FieldReader(const nlohmann::json& j, const std::string& file, std::string prefix = {})
        : j_(j), file_(file), prefix_(std::move(prefix)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& what) const {
        throw Error("config " + file_ + ": field '" + prefix_ + key + "' " + what);
    }

    const nlohmann::json& get(const std::string& key) const {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) fail(key, "is missing");
        return *it;
    }

    int64_t positive_int(const std::string& key) const { return int_at_least(key, 1); }
    int64_t int_at_least(const std::string& key, int64_t min) const {
        const auto& v = get(key);
        return checked_int(key, v, min);
    }
    double positive_number(const std::string& key) const {
        const auto& v = get(key);
        if (!v.is_number()) fail(key, "must be a number (found " + v.dump() + ")");
        double x = v.get<double>();
        if (!(x > 0)) fail(key, "must be positive (found " + v.dump() + ")");
        return x;
    }
    int64_t optional_int(const std::string& key, int64_t fallback, int64_t min) const {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return fallback;
        return checked_int(key, *it, min);
    }

private:
    int64_t checked_int(const std::string& key, const nlohmann::json& v, int64_t min) const {
        if (!v.is_number_integer()) fail(key, "must be an integer (found " + v.dump() + ")");
        // Unsigned values past INT64_MAX would wrap to negative numbers in get<int64_t>().
        if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
            fail(key, "is too large (found " + v.dump() + ")");
        int64_t x = v.get<int64_t>();
        if (x < min) fail(key, "must be at least " + std::to_string(min) + " (found " + std::to_string(x) + ")");
        return x;
    }

    const nlohmann::json& j_;
    std::string file_;
    std::string prefix_;
};

}  // namespace

ModelConfig ModelConfig::from_json(const nlohmann::json& j, const std::string& file) {
    if (!j.is_object()) throw Error("config " + file + ": not a JSON object");
    FieldReader r(j, file);
    ModelConfig c;
    c.vocab_size = r.positive_int("vocab_size");
    c.hidden_size = r.positive_int("hidden_size");
    c.num_hidden_layers = r.positive_int("num_hidden_layers");
    c.num_hash_layers = r.int_at_least("num_hash_layers", 0);
    c.num_attention_heads = r.positive_int("num_attention_heads");
    c.head_dim = r.positive_int("head_dim");
    c.qk_rope_head_dim = r.positive_int("qk_rope_head_dim");
    c.q_lora_rank = r.positive_int("q_lora_rank");
    c.o_groups = r.positive_int("o_groups");
    c.o_lora_rank = r.positive_int("o_lora_rank");
    c.n_routed_experts = r.positive_int("n_routed_experts");
    c.n_shared_experts = r.int_at_least("n_shared_experts", 0);
    c.num_experts_per_tok = r.positive_int("num_experts_per_tok");
    c.moe_intermediate_size = r.positive_int("moe_intermediate_size");
    {
        const auto& v = r.get("scoring_func");
        if (!v.is_string()) r.fail("scoring_func", "must be a string");
        c.scoring_func = v.get<std::string>();
        if (c.scoring_func != "sqrtsoftplus")
            r.fail("scoring_func", "is '" + c.scoring_func + "'; this engine implements 'sqrtsoftplus'");
    }
    c.routed_scaling_factor = r.positive_number("routed_scaling_factor");
    c.swiglu_limit = r.positive_number("swiglu_limit");
    c.sliding_window = r.positive_int("sliding_window");
    {
        const auto& v = r.get("compress_ratios");
        if (!v.is_array()) r.fail("compress_ratios", "must be an array");
        for (const auto& x : v) {
            if (!x.is_number_integer()) r.fail("compress_ratios", "must hold integers");
            int64_t m = x.get<int64_t>();
            // 4 is CSA (overlapping blocks + indexer); any other ratio above 1 compresses like HCA (128 in V4).
            if (m < 0 || m == 1)
                r.fail("compress_ratios", "holds " + std::to_string(m) + "; expected 0 (window only), 4 (CSA) or a ratio above 1 (HCA, 128 in V4)");
            c.compress_ratios.push_back(m);
        }
    }
    c.rope_theta = r.positive_number("rope_theta");
    c.compress_rope_theta = r.positive_number("compress_rope_theta");
    {
        const auto& rs = r.get("rope_scaling");
        if (!rs.is_object()) r.fail("rope_scaling", "must be an object");
        FieldReader yarn(rs, file, "rope_scaling.");
        c.rope_scaling.factor = yarn.positive_number("factor");
        c.rope_scaling.original_max_position_embeddings = yarn.int_at_least("original_max_position_embeddings", 1);
        c.rope_scaling.beta_fast = yarn.positive_number("beta_fast");
        c.rope_scaling.beta_slow = yarn.positive_number("beta_slow");
    }
    c.index_n_heads = r.positive_int("index_n_heads");
    c.index_head_dim = r.positive_int("index_head_dim");
    c.index_topk = r.positive_int("index_topk");
    c.hc_mult = r.positive_int("hc_mult");
    c.hc_sinkhorn_iters = r.positive_int("hc_sinkhorn_iters");
    c.hc_eps = r.positive_number("hc_eps");
    c.rms_norm_eps = r.positive_number("rms_norm_eps");
    c.num_nextn_predict_layers = r.optional_int("num_nextn_predict_layers", 0, 0);
    c.max_position_embeddings = r.positive_int("max_position_embeddings");
    c.bos_token_id = r.optional_int("bos_token_id", 0, 0);
    c.eos_token_id = r.optional_int("eos_token_id", 1, 0);

    // Cross-field consistency: each a clear message instead of a wrong forward pass later.
    if (c.qk_rope_head_dim > c.head_dim || c.qk_rope_head_dim % 2 != 0)
        r.fail("qk_rope_head_dim", "must be even and at most head_dim");
    if (c.num_attention_heads % c.o_groups != 0) r.fail("o_groups", "must divide num_attention_heads");
    if (c.num_experts_per_tok > c.n_routed_experts) r.fail("num_experts_per_tok", "exceeds n_routed_experts");
    if (c.num_hash_layers > c.num_hidden_layers) r.fail("num_hash_layers", "exceeds num_hidden_layers");
    if (static_cast<int64_t>(c.compress_ratios.size()) < c.num_hidden_layers + c.num_nextn_predict_layers)
        r.fail("compress_ratios", "has " + std::to_string(c.compress_ratios.size()) + " entries; expected " +
                                      std::to_string(c.num_hidden_layers + c.num_nextn_predict_layers) +
                                      " (one per block, MTP blocks included)");
    if (c.bos_token_id >= c.vocab_size) r.fail("bos_token_id", "is outside the vocabulary");
    if (c.eos_token_id >= c.vocab_size) r.fail("eos_token_id", "is outside the vocabulary");
    if ((c.index_head_dim & (c.index_head_dim - 1)) != 0)
        r.fail("index_head_dim", "must be a power of two (Hadamard rotation)");
    return c;
}

ModelConfig ModelConfig::load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw Error("config " + path.string() + ": cannot be opened");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error("config " + path.string() + ": not valid JSON: " + e.what());
    }
    return from_json(j, path.string());
}

}  // namespace fathom
