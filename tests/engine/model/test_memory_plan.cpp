// The memory plan against numbers worked out by hand: the spec's ~6.9 KB per token of V4-Flash compressed
// state (§4), the fixture's cache per layer type, and its routed-expert bytes from the tensor shapes.
#include "model/memory_plan.hpp"
#include "unit.hpp"

using namespace fathom;

namespace {

ModelConfig flash_like() {
    ModelConfig c;
    c.vocab_size = 129280;
    c.hidden_size = 4096;
    c.num_hidden_layers = 43;
    c.num_nextn_predict_layers = 1;
    c.num_attention_heads = 64;
    c.head_dim = 512;
    c.qk_rope_head_dim = 64;
    c.q_lora_rank = 1024;
    c.o_groups = 8;
    c.o_lora_rank = 1024;
    c.n_routed_experts = 256;
    c.num_experts_per_tok = 6;
    c.n_shared_experts = 1;
    c.moe_intermediate_size = 2048;
    c.sliding_window = 128;
    c.index_n_heads = 64;
    c.index_head_dim = 128;
    c.index_topk = 512;
    c.hc_mult = 4;
    c.compress_ratios = {0, 0};
    for (int b = 2; b < 43; ++b) c.compress_ratios.push_back(b % 2 == 0 ? 4 : 128);
    c.compress_ratios.push_back(0);
    return c;
}

}  // namespace

TEST("V4-Flash compressed state is 6880 bytes per token (spec: ~6.9 KB)") {
    MemoryPlanOptions o;
    o.context_tokens = 1 << 20;
    const auto p = plan_memory(flash_like(), WeightBytes{}, o);
    // 21 CSA blocks x (512 + 128) / 4 values + 20 HCA blocks x 512 / 128 values, 2 bytes each.
    CHECK_EQ(p.cache_bytes_per_token, 6880.0);
    CHECK_EQ(p.cache_by_ratio.size(), size_t{3});
    const auto& window = p.cache_by_ratio[0];
    const auto& csa = p.cache_by_ratio[1];
    const auto& hca = p.cache_by_ratio[2];
    CHECK_EQ(window.ratio, 0);
    CHECK_EQ(window.blocks, 3);  // blocks 0, 1 and the MTP block
    CHECK_EQ(window.bytes_per_token_per_block, 0.0);
    CHECK_EQ(window.window_bytes, uint64_t{3} * 128 * 512 * 2);
    CHECK_EQ(csa.ratio, 4);
    CHECK_EQ(csa.blocks, 21);
    CHECK_EQ(csa.bytes_per_token_per_block, 320.0);
    CHECK_EQ(csa.compressed_bytes, uint64_t{21} * ((1 << 20) / 4) * (512 + 128) * 2);
    CHECK_EQ(hca.ratio, 128);
    CHECK_EQ(hca.blocks, 20);
    CHECK_EQ(hca.bytes_per_token_per_block, 8.0);
    CHECK_EQ(hca.compressed_bytes, uint64_t{20} * ((1 << 20) / 128) * 512 * 2);
    // 1M tokens of compressed state: 6880 * 2^20 bytes, about 6.7 GiB.
    CHECK_EQ(window.compressed_bytes + csa.compressed_bytes + hca.compressed_bytes, uint64_t{6880} << 20);
    CHECK(p.cache_bytes > (uint64_t{6880} << 20));  // plus windows and partial blocks
    CHECK(p.cache_bytes < (uint64_t{6880} << 20) + (uint64_t{64} << 20));
}

TEST("GPU = dense weights + cache + workspace; host = routed experts") {
    WeightBytes w;
    w.total = 1000;
    w.routed_experts = 600;
    w.dense = 400;
    const auto p = plan_memory(flash_like(), w);
    CHECK_EQ(p.options.context_tokens, 131072);
    CHECK_EQ(p.host_bytes, uint64_t{600});
    CHECK_EQ(p.gpu_bytes, 400 + p.cache_bytes + p.workspace_bytes);
    CHECK(p.workspace_bytes > 0);
    // The cache grows with the context; the workspace is one prefill chunk of 2048 tokens (the GPU's), about 2 GB.
    MemoryPlanOptions longer;
    longer.context_tokens = 2 * 131072;
    const auto q = plan_memory(flash_like(), w, longer);
    CHECK_EQ(q.cache_bytes - p.cache_bytes, uint64_t{6880} * 131072);
    CHECK(p.workspace_bytes < (uint64_t{3} << 30));
    CHECK_EQ(p.workspace_bytes, 2048 * prefill_bytes_per_token(flash_like(), 131072) + uint64_t{4} * flash_like().vocab_size);
    MemoryPlanOptions bad;
    bad.context_tokens = 0;
    CHECK_THROWS_WITH(plan_memory(flash_like(), w, bad), "must be positive");
}

TEST("v4-tiny-a: routed experts from the shapes, cache per layer type") {
    const auto ck = Checkpoint::open(unit::shared_dir() / "fixtures/v4-tiny-a");
    const auto w = count_weight_bytes(ck);
    CHECK_EQ(w.shard_count, 2);
    CHECK_EQ(w.tensor_count, int64_t(ck.tensor_names().size()));
    // 7 blocks (6 + MTP) x 8 experts x {w1, w2, w3}: I8 [256, 128] + F8_E8M0 scale [256, 8] each.
    CHECK_EQ(w.routed_experts, uint64_t{7} * 8 * 3 * (256 * 128 + 256 * 8));
    CHECK_EQ(w.by_dtype.at(DType::I8), uint64_t{7} * 8 * 3 * 256 * 128);
    CHECK_EQ(w.dense + w.routed_experts, w.total);
    uint64_t by_dtype = 0;
    for (const auto& [dtype, bytes] : w.by_dtype) by_dtype += bytes;
    CHECK_EQ(by_dtype, w.total);
    // The data sections of both shards hold exactly the tensors (no gaps in the fixture).
    uint64_t data = 0;
    for (const auto& shard : ck.shards()) data += std::filesystem::file_size(shard->path()) - shard->header().data_offset;
    CHECK_EQ(w.total, data);

    const auto p = plan_memory(ck.config(), w);
    // Ratios 0,0,4,128,4,0 + MTP 0; D = 192, index_head_dim = 128.
    CHECK_EQ(p.cache_by_ratio.size(), size_t{3});
    CHECK_EQ(p.cache_by_ratio[0].blocks, 4);
    CHECK_EQ(p.cache_by_ratio[1].bytes_per_token_per_block, 160.0);  // (192 + 128) / 4 * 2
    CHECK_EQ(p.cache_by_ratio[2].bytes_per_token_per_block, 3.0);    // 192 / 128 * 2
    CHECK_EQ(p.cache_bytes_per_token, 323.0);
    CHECK_EQ(p.host_bytes, w.routed_experts);
}

TEST("routed experts are recognised by name") {
    CHECK(is_routed_expert_tensor("layers.3.ffn.experts.7.w1.weight"));
    CHECK(is_routed_expert_tensor("mtp.0.ffn.experts.0.w2.scale"));
    CHECK(!is_routed_expert_tensor("layers.3.ffn.shared_experts.w1.weight"));
    CHECK(!is_routed_expert_tensor("layers.3.ffn.gate.weight"));
}

UNIT_MAIN()
