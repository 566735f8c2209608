// MemoryPlan: the GPU and host memory Fathom needs for a checkpoint at given settings, from its shard headers
// and config alone: dense weights + cache state + activation workspace on the GPU, routed experts in host RAM.
#pragma once

#include "model/checkpoint.hpp"
#include "model/dtype.hpp"
#include "model/model_config.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fathom {

// Routed experts live in host RAM; everything else (attention, shared experts, norms, embed, head) on the GPU.
bool is_routed_expert_tensor(const std::string& name);  // name contains ".ffn.experts."

struct WeightBytes {
    int64_t tensor_count = 0;
    int64_t shard_count = 0;
    uint64_t total = 0;           // bytes as stored (FP8, FP4, bf16 ...): that is how the engine keeps them
    uint64_t routed_experts = 0;
    uint64_t dense = 0;           // total - routed_experts
    std::map<DType, uint64_t> by_dtype;
};
WeightBytes count_weight_bytes(const Checkpoint& checkpoint);

struct MemoryPlanOptions {
    int64_t context_tokens = 128 * 1024;
    int64_t prefill_chunk = 2048;    // the GPU backend's prefill chunk (Session::kBackendChunk; 256 on the CPU)
    int64_t cache_value_bytes = 2;   // cache rows stored at 2 bytes a value (spec §4)
};

// The cache of every block of one compression ratio (0 = window only, 4 = CSA, others HCA), MTP included.
struct LayerCacheCost {
    int64_t ratio = 0;
    int64_t blocks = 0;
    double bytes_per_token_per_block = 0;  // compressed rows (+ indexer keys for ratio 4) per context token
    uint64_t window_bytes = 0;             // all blocks: W rows of D
    uint64_t compressed_bytes = 0;         // all blocks, at the plan's context
    uint64_t partial_block_bytes = 0;      // all blocks: compressors' unfinished blocks, fp32
};

struct MemoryPlan {
    MemoryPlanOptions options;
    WeightBytes weights;
    std::vector<LayerCacheCost> cache_by_ratio;  // ascending ratio
    double cache_bytes_per_token = 0;            // growth of the whole model's cache per context token
    uint64_t cache_bytes = 0;                    // window + compressed + partial, at options.context_tokens
    uint64_t workspace_bytes = 0;                // activations of one prefill chunk (estimate, see .cpp)
    uint64_t gpu_bytes = 0;                      // weights.dense + cache_bytes + workspace_bytes
    uint64_t host_bytes = 0;                     // weights.routed_experts
};

// The activation bytes one prefill token takes at a context of `context_tokens` (an estimate, see the .cpp).
uint64_t prefill_bytes_per_token(const ModelConfig& config, int64_t context_tokens);

// Throws fathom::Error when options are not positive.
MemoryPlan plan_memory(const ModelConfig& config, const WeightBytes& weights, const MemoryPlanOptions& options = {});

}  // namespace fathom
