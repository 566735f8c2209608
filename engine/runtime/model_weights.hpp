// Typed views of every weight the forward pass reads, per block, built from the checkpoint with each tensor's
// dtype and shape checked; small fp32/bf16 vectors are decoded once, matrices stay in their stored formats.
#pragma once

#include "cpu/compressor.hpp"
#include "cpu/hyper_connections.hpp"
#include "cpu/linear.hpp"
#include "cpu/moe.hpp"
#include "cpu/rope.hpp"
#include "model/checkpoint.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fathom {

struct HcWeights {
    std::vector<float> fn, base, scale;
    cpu::HcParams params(const ModelConfig& c) const;
};

struct CompressorWeights {
    cpu::Weight wkv, wgate;  // bf16 [c or 2c, d]
    std::vector<float> ape;  // [m, c or 2c]
    std::vector<float> norm; // [c]
    int64_t ratio = 0, width = 0;
};

struct IndexerWeights {
    cpu::Weight wq_b;          // FP8 [index_heads * index_dim, q_lora]
    cpu::Weight weights_proj;  // bf16 [index_heads, d]
    CompressorWeights compressor;
};

struct BlockWeights {
    std::string prefix;  // "layers.N." or "mtp.N."
    int64_t ratio = 0;
    bool hash_routed = false;
    HcWeights hc_attn, hc_ffn;
    std::vector<float> attn_norm, ffn_norm;
    cpu::Weight wq_a, wq_b, wkv, wo_a, wo_b;
    std::vector<float> q_norm, kv_norm, attn_sink;
    std::optional<CompressorWeights> compressor;
    std::optional<IndexerWeights> indexer;
    cpu::Weight gate;
    std::vector<float> gate_bias;
    std::vector<int64_t> tid2eid;
    std::vector<cpu::ExpertWeights> experts;
    std::vector<cpu::ExpertWeights> shared_experts;
    cpu::Rope rope;
};

BlockWeights load_block_weights(const Checkpoint& ck, const std::string& prefix, int64_t ratio, bool hash_routed);

std::vector<float> load_vector(const Checkpoint& ck, const std::string& name, const std::vector<int64_t>& shape);

}  // namespace fathom
