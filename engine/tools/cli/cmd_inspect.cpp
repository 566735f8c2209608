// fathom-cli inspect MODEL_DIR: what a checkpoint holds (config summary, tensors, bytes by dtype, routed
// experts vs the rest) and the GPU and host memory Fathom needs for it at default settings (model/memory_plan).
#include "command.hpp"

#include "fathom/error.hpp"
#include "model/checkpoint.hpp"
#include "model/memory_plan.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace fathom::cli {
namespace {

std::string human_bytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 4) {
        bytes /= 1024.0;
        ++u;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", bytes, units[u]);
    return buf;
}

std::string ratio_kind(int64_t ratio) {
    if (ratio == 0) return "window only";
    if (ratio == 4) return "CSA, ratio 4";
    return "HCA, ratio " + std::to_string(ratio);
}

std::string joined(const std::vector<int64_t>& values) {
    std::string s;
    for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + std::to_string(values[i]);
    return s;
}

int64_t positive_flag(const Args& args, const std::string& flag, int64_t fallback) {
    auto v = args.value(flag);
    if (!v) return fallback;
    try {
        size_t used = 0;
        const long long x = std::stoll(*v, &used);
        if (used == v->size() && x > 0) return x;
    } catch (const std::exception&) {
    }
    throw Error(flag + " expects a positive integer, found '" + *v + "'");
}

nlohmann::ordered_json plan_json(const Checkpoint& ck, const MemoryPlan& p) {
    const ModelConfig& c = ck.config();
    nlohmann::ordered_json j;
    j["model_dir"] = ck.dir().string();
    j["config"] = {{"vocab_size", c.vocab_size}, {"hidden_size", c.hidden_size},
                   {"num_hidden_layers", c.num_hidden_layers}, {"num_nextn_predict_layers", c.num_nextn_predict_layers},
                   {"num_attention_heads", c.num_attention_heads}, {"head_dim", c.head_dim},
                   {"qk_rope_head_dim", c.qk_rope_head_dim}, {"n_routed_experts", c.n_routed_experts},
                   {"num_experts_per_tok", c.num_experts_per_tok}, {"n_shared_experts", c.n_shared_experts},
                   {"moe_intermediate_size", c.moe_intermediate_size}, {"sliding_window", c.sliding_window},
                   {"compress_ratios", c.compress_ratios}, {"index_head_dim", c.index_head_dim},
                   {"index_topk", c.index_topk}, {"num_hash_layers", c.num_hash_layers}};
    j["shards"] = p.weights.shard_count;
    j["tensors"] = p.weights.tensor_count;
    nlohmann::ordered_json by_dtype = nlohmann::ordered_json::object();
    for (const auto& [dtype, bytes] : p.weights.by_dtype) by_dtype[std::string(dtype_name(dtype))] = bytes;
    j["bytes_by_dtype"] = by_dtype;
    j["bytes_total"] = p.weights.total;
    j["bytes_routed_experts"] = p.weights.routed_experts;
    j["bytes_dense"] = p.weights.dense;
    nlohmann::ordered_json cache = nlohmann::ordered_json::array();
    for (const auto& k : p.cache_by_ratio)
        cache.push_back({{"ratio", k.ratio}, {"blocks", k.blocks}, {"bytes_per_token_per_block", k.bytes_per_token_per_block},
                         {"window_bytes", k.window_bytes}, {"compressed_bytes", k.compressed_bytes},
                         {"partial_block_bytes", k.partial_block_bytes}});
    j["memory"] = {{"context_tokens", p.options.context_tokens}, {"prefill_chunk", p.options.prefill_chunk},
                   {"cache_value_bytes", p.options.cache_value_bytes}, {"cache_by_ratio", cache},
                   {"cache_bytes_per_token", p.cache_bytes_per_token}, {"cache_bytes", p.cache_bytes},
                   {"workspace_bytes", p.workspace_bytes}, {"gpu_bytes", p.gpu_bytes}, {"host_bytes", p.host_bytes}};
    return j;
}

void print_text(const Checkpoint& ck, const MemoryPlan& p) {
    const ModelConfig& c = ck.config();
    std::printf("model: %s\n", ck.dir().string().c_str());
    std::printf("config: d=%lld, %lld blocks + %lld MTP, %lld heads x %lld (rope %lld), vocab %lld\n",
                (long long)c.hidden_size, (long long)c.num_hidden_layers, (long long)c.num_nextn_predict_layers,
                (long long)c.num_attention_heads, (long long)c.head_dim, (long long)c.qk_rope_head_dim,
                (long long)c.vocab_size);
    std::printf("        MoE %lld routed experts (top %lld) + %lld shared, width %lld, first %lld blocks hash-routed\n",
                (long long)c.n_routed_experts, (long long)c.num_experts_per_tok, (long long)c.n_shared_experts,
                (long long)c.moe_intermediate_size, (long long)c.num_hash_layers);
    std::printf("        window %lld, compress ratios %s, indexer %lld heads x %lld top %lld\n",
                (long long)c.sliding_window, joined(c.compress_ratios).c_str(), (long long)c.index_n_heads,
                (long long)c.index_head_dim, (long long)c.index_topk);
    std::printf("tensors: %lld in %lld shard(s), %s\n", (long long)p.weights.tensor_count,
                (long long)p.weights.shard_count, human_bytes(static_cast<double>(p.weights.total)).c_str());
    std::printf("bytes by dtype:\n");
    for (const auto& [dtype, bytes] : p.weights.by_dtype)
        std::printf("  %-8s %14llu  %s\n", std::string(dtype_name(dtype)).c_str(), (unsigned long long)bytes,
                    human_bytes(static_cast<double>(bytes)).c_str());
    std::printf("routed experts (.ffn.experts.): %14llu  %s\n", (unsigned long long)p.weights.routed_experts,
                human_bytes(static_cast<double>(p.weights.routed_experts)).c_str());
    std::printf("everything else (dense):        %14llu  %s\n", (unsigned long long)p.weights.dense,
                human_bytes(static_cast<double>(p.weights.dense)).c_str());
    std::printf("cache per layer type (values at %lld bytes, MTP included):\n", (long long)p.options.cache_value_bytes);
    for (const auto& k : p.cache_by_ratio)
        std::printf("  %-14s %3lld blocks: %8.2f bytes/token each, window %s, partial blocks %s\n",
                    ratio_kind(k.ratio).c_str(), (long long)k.blocks, k.bytes_per_token_per_block,
                    human_bytes(static_cast<double>(k.window_bytes)).c_str(),
                    human_bytes(static_cast<double>(k.partial_block_bytes)).c_str());
    std::printf("  compressed state: %.1f bytes per token of context (all blocks)\n", p.cache_bytes_per_token);
    std::printf("memory at default settings (context %lld tokens, prefill chunk %lld):\n",
                (long long)p.options.context_tokens, (long long)p.options.prefill_chunk);
    std::printf("  GPU  %s = dense weights %s + cache %s + activation workspace %s\n",
                human_bytes(static_cast<double>(p.gpu_bytes)).c_str(),
                human_bytes(static_cast<double>(p.weights.dense)).c_str(),
                human_bytes(static_cast<double>(p.cache_bytes)).c_str(),
                human_bytes(static_cast<double>(p.workspace_bytes)).c_str());
    std::printf("  host %s = routed experts\n", human_bytes(static_cast<double>(p.host_bytes)).c_str());
}

int run_inspect(const Args& args) {
    if (args.positionals().size() != 1) throw Error("usage: fathom-cli inspect MODEL_DIR [--context TOKENS] [--json]");
    const Checkpoint ck = Checkpoint::open(args.positionals()[0]);
    MemoryPlanOptions options;
    options.context_tokens = positive_flag(args, "--context", options.context_tokens);
    const MemoryPlan plan = plan_memory(ck.config(), count_weight_bytes(ck), options);
    if (args.has("--json")) std::printf("%s\n", plan_json(ck, plan).dump(2).c_str());
    else print_text(ck, plan);
    return 0;
}

const CommandRegistrar registrar({"inspect",
                                  "MODEL_DIR [--context TOKENS] [--json]: config, tensors, bytes by dtype, GPU/host memory plan",
                                  run_inspect});

}  // namespace
}  // namespace fathom::cli
