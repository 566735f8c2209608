// ModelConfig from config.json: the V4-Flash and V4-Pro values of the spec's table (§1), the v4-tiny-a
// fixture, and errors that name the field and the file for each missing or invalid required field.
#include "model/model_config.hpp"
#include "unit.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace fathom;
using nlohmann::json;

namespace {

// compress_ratios as the spec's table writes them: two leading entries, then 4,128 alternating, ending
// with a 4 on the last block, plus the MTP block's 0.
std::vector<int64_t> ratios(int64_t first, int64_t blocks) {
    std::vector<int64_t> r = {first, first};
    for (int64_t b = 2; b < blocks; ++b) r.push_back(b % 2 == 0 ? 4 : 128);
    r.push_back(0);
    return r;
}

json v4_flash() {
    return {{"vocab_size", 129280}, {"hidden_size", 4096}, {"num_hidden_layers", 43}, {"num_attention_heads", 64},
            {"head_dim", 512}, {"qk_rope_head_dim", 64}, {"q_lora_rank", 1024}, {"o_groups", 8},
            {"o_lora_rank", 1024}, {"n_routed_experts", 256}, {"num_experts_per_tok", 6}, {"n_shared_experts", 1},
            {"moe_intermediate_size", 2048}, {"num_hash_layers", 3}, {"scoring_func", "sqrtsoftplus"},
            {"routed_scaling_factor", 1.5}, {"swiglu_limit", 10.0}, {"sliding_window", 128},
            {"compress_ratios", ratios(0, 43)}, {"index_n_heads", 64}, {"index_head_dim", 128}, {"index_topk", 512},
            {"rope_theta", 10000.0}, {"compress_rope_theta", 160000.0},
            {"rope_scaling", {{"type", "yarn"}, {"factor", 16}, {"original_max_position_embeddings", 65536},
                              {"beta_fast", 32}, {"beta_slow", 1}}},
            {"hc_mult", 4}, {"hc_sinkhorn_iters", 20}, {"hc_eps", 1e-6}, {"rms_norm_eps", 1e-6},
            {"num_nextn_predict_layers", 1}, {"max_position_embeddings", 1048576}, {"bos_token_id", 0},
            {"eos_token_id", 1}};
}

json v4_pro() {
    json j = v4_flash();
    j["hidden_size"] = 7168;
    j["num_hidden_layers"] = 61;
    j["num_attention_heads"] = 128;
    j["q_lora_rank"] = 1536;
    j["o_groups"] = 16;
    j["n_routed_experts"] = 384;
    j["moe_intermediate_size"] = 3072;
    j["routed_scaling_factor"] = 2.5;
    j["compress_ratios"] = ratios(128, 61);
    j["index_topk"] = 1024;
    return j;
}

std::filesystem::path write_config(const std::string& text) {
    auto dir = std::filesystem::temp_directory_path() / ("fathom_test_config_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = dir / "config.json";
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST("V4-Flash: every value of the spec's table") {
    const auto c = ModelConfig::from_json(v4_flash(), "flash/config.json");
    CHECK_EQ(c.vocab_size, 129280);
    CHECK_EQ(c.hidden_size, 4096);
    CHECK_EQ(c.num_hidden_layers, 43);
    CHECK_EQ(c.num_attention_heads, 64);
    CHECK_EQ(c.head_dim, 512);
    CHECK_EQ(c.qk_rope_head_dim, 64);
    CHECK_EQ(c.q_lora_rank, 1024);
    CHECK_EQ(c.o_groups, 8);
    CHECK_EQ(c.o_lora_rank, 1024);
    CHECK_EQ(c.n_routed_experts, 256);
    CHECK_EQ(c.num_experts_per_tok, 6);
    CHECK_EQ(c.n_shared_experts, 1);
    CHECK_EQ(c.moe_intermediate_size, 2048);
    CHECK_EQ(c.num_hash_layers, 3);
    CHECK_EQ(c.scoring_func, std::string("sqrtsoftplus"));
    CHECK_EQ(c.routed_scaling_factor, 1.5);
    CHECK_EQ(c.swiglu_limit, 10.0);
    CHECK_EQ(c.sliding_window, 128);
    CHECK_EQ(c.compress_ratios.size(), size_t{44});
    CHECK_EQ(c.compress_ratio(0), 0);
    CHECK_EQ(c.compress_ratio(1), 0);
    CHECK_EQ(c.compress_ratio(2), 4);
    CHECK_EQ(c.compress_ratio(3), 128);
    CHECK_EQ(c.compress_ratio(42), 4);
    CHECK_EQ(c.compress_ratio(43), 0);  // the MTP block
    CHECK_EQ(c.index_n_heads, 64);
    CHECK_EQ(c.index_head_dim, 128);
    CHECK_EQ(c.index_topk, 512);
    CHECK_EQ(c.rope_theta, 10000.0);
    CHECK_EQ(c.compress_rope_theta, 160000.0);
    CHECK_EQ(c.rope_scaling.factor, 16.0);
    CHECK_EQ(c.rope_scaling.original_max_position_embeddings, 65536);
    CHECK_EQ(c.rope_scaling.beta_fast, 32.0);
    CHECK_EQ(c.rope_scaling.beta_slow, 1.0);
    CHECK_EQ(c.hc_mult, 4);
    CHECK_EQ(c.hc_sinkhorn_iters, 20);
    CHECK_EQ(c.hc_eps, 1e-6);
    CHECK_EQ(c.rms_norm_eps, 1e-6);
    CHECK_EQ(c.num_nextn_predict_layers, 1);
    CHECK(c.is_hash_block(2));
    CHECK(!c.is_hash_block(3));
}

TEST("V4-Pro: the values that differ from Flash") {
    const auto c = ModelConfig::from_json(v4_pro(), "pro/config.json");
    CHECK_EQ(c.hidden_size, 7168);
    CHECK_EQ(c.num_hidden_layers, 61);
    CHECK_EQ(c.num_attention_heads, 128);
    CHECK_EQ(c.q_lora_rank, 1536);
    CHECK_EQ(c.o_groups, 16);
    CHECK_EQ(c.n_routed_experts, 384);
    CHECK_EQ(c.moe_intermediate_size, 3072);
    CHECK_EQ(c.routed_scaling_factor, 2.5);
    CHECK_EQ(c.index_topk, 1024);
    CHECK_EQ(c.compress_ratios.size(), size_t{62});
    CHECK_EQ(c.compress_ratio(0), 128);
    CHECK_EQ(c.compress_ratio(1), 128);
    CHECK_EQ(c.compress_ratio(2), 4);
    CHECK_EQ(c.compress_ratio(60), 4);
    CHECK_EQ(c.compress_ratio(61), 0);
    CHECK_EQ(c.head_dim, 512);
    CHECK_EQ(c.num_experts_per_tok, 6);
}

TEST("the v4-tiny-a fixture's config.json") {
    const auto c = ModelConfig::load(unit::shared_dir() / "fixtures/v4-tiny-a/config.json");
    CHECK_EQ(c.vocab_size, 2048);
    CHECK_EQ(c.hidden_size, 256);
    CHECK_EQ(c.num_hidden_layers, 6);
    CHECK_EQ(c.num_hash_layers, 2);
    CHECK_EQ(c.num_attention_heads, 4);
    CHECK_EQ(c.head_dim, 192);
    CHECK_EQ(c.n_routed_experts, 8);
    CHECK_EQ(c.num_experts_per_tok, 2);
    CHECK_EQ(c.sliding_window, 128);
    CHECK(c.compress_ratios == std::vector<int64_t>({0, 0, 4, 128, 4, 0, 0}));
    CHECK_EQ(c.index_n_heads, 16);
    CHECK_EQ(c.index_topk, 8);
    CHECK_EQ(c.num_nextn_predict_layers, 1);
}

TEST("each missing required field is an error naming the field and the file") {
    const char* required[] = {"vocab_size", "hidden_size", "num_hidden_layers", "num_hash_layers",
                              "num_attention_heads", "head_dim", "qk_rope_head_dim", "q_lora_rank", "o_groups",
                              "o_lora_rank", "n_routed_experts", "n_shared_experts", "num_experts_per_tok",
                              "moe_intermediate_size", "scoring_func", "routed_scaling_factor", "swiglu_limit",
                              "sliding_window", "compress_ratios", "rope_theta", "compress_rope_theta",
                              "rope_scaling", "index_n_heads", "index_head_dim", "index_topk", "hc_mult",
                              "hc_sinkhorn_iters", "hc_eps", "rms_norm_eps", "max_position_embeddings"};
    for (const char* field : required) {
        json j = v4_flash();
        j.erase(field);
        const auto path = write_config(j.dump());
        CHECK_THROWS_WITH(ModelConfig::load(path), "config " + path.string() + ": field '" + field + "' is missing");
    }
    json j = v4_flash();
    j["rope_scaling"].erase("beta_fast");
    CHECK_THROWS_WITH(ModelConfig::from_json(j, "x/config.json"), "config x/config.json: field 'rope_scaling.beta_fast' is missing");
    j = v4_flash();
    j["hidden_size"] = nullptr;
    CHECK_THROWS_WITH(ModelConfig::from_json(j, "x/config.json"), "field 'hidden_size' is missing");
}

TEST("invalid values are errors naming the field and the file") {
    auto with = [](const char* field, json value) {
        json j = v4_flash();
        j[field] = std::move(value);
        return j;
    };
    CHECK_THROWS_WITH(ModelConfig::from_json(with("hidden_size", "4096"), "a/config.json"),
                      "config a/config.json: field 'hidden_size' must be an integer (found \"4096\")");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("hidden_size", 4096.5), "a/config.json"), "field 'hidden_size' must be an integer");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("head_dim", 0), "a/config.json"), "field 'head_dim' must be at least 1 (found 0)");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("num_hash_layers", -1), "a/config.json"), "field 'num_hash_layers' must be at least 0");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("vocab_size", json(18446744073709551615ull)), "a/config.json"),
                      "field 'vocab_size' is too large");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("rms_norm_eps", -1e-6), "a/config.json"), "field 'rms_norm_eps' must be positive");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("rope_theta", "big"), "a/config.json"), "field 'rope_theta' must be a number");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("scoring_func", "softmax"), "a/config.json"), "field 'scoring_func' is 'softmax'");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("compress_ratios", json::array({0, 1, 4})), "a/config.json"),
                      "field 'compress_ratios' holds 1");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("compress_ratios", json::array({0, 0, 4})), "a/config.json"),
                      "field 'compress_ratios' has 3 entries; expected 44");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("compress_ratios", "0,0,4"), "a/config.json"), "field 'compress_ratios' must be an array");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("rope_scaling", 16), "a/config.json"), "field 'rope_scaling' must be an object");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("o_groups", 7), "a/config.json"), "field 'o_groups' must divide num_attention_heads");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("num_experts_per_tok", 300), "a/config.json"), "field 'num_experts_per_tok' exceeds");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("index_head_dim", 96), "a/config.json"), "field 'index_head_dim' must be a power of two");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("num_nextn_predict_layers", -1), "a/config.json"),
                      "field 'num_nextn_predict_layers' must be at least 0");
    CHECK_THROWS_WITH(ModelConfig::from_json(with("eos_token_id", 129280), "a/config.json"), "field 'eos_token_id' is outside the vocabulary");
    json j = v4_flash();
    j["rope_scaling"]["factor"] = 0;
    CHECK_THROWS_WITH(ModelConfig::from_json(j, "a/config.json"), "field 'rope_scaling.factor' must be positive");
}

TEST("unreadable and non-JSON config files are errors naming the file") {
    CHECK_THROWS_WITH(ModelConfig::load("/nonexistent/config.json"), "config /nonexistent/config.json: cannot be opened");
    const auto path = write_config("{\"vocab_size\": 12,");
    CHECK_THROWS_WITH(ModelConfig::load(path), "config " + path.string() + ": not valid JSON");
    const auto array = write_config("[1, 2]");
    CHECK_THROWS_WITH(ModelConfig::load(array), "config " + array.string() + ": not a JSON object");
    std::filesystem::remove_all(path.parent_path());
}

UNIT_MAIN()
