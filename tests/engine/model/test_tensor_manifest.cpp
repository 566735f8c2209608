// The tensor manifest against the real v4-tiny-a checkpoint: every tensor it holds must be listed with its exact
// dtype and shape, and the manifest must list nothing the checkpoint lacks; then config variations.
#include "fathom/error.hpp"
#include "model/checkpoint.hpp"
#include "model/tensor_manifest.hpp"
#include "unit.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

using namespace fathom;

namespace {

std::filesystem::path tiny_a() { return unit::shared_dir() / "fixtures" / "v4-tiny-a"; }

nlohmann::json tiny_a_config_json() {
    std::ifstream in(tiny_a() / "config.json");
    return nlohmann::json::parse(in);
}

std::set<std::string> names_with(const TensorManifest& m, const std::string& part) {
    std::set<std::string> out;
    for (const auto& e : m.entries())
        if (e.name.find(part) != std::string::npos) out.insert(e.name);
    return out;
}

}  // namespace

TEST("manifest matches every tensor of v4-tiny-a, and lists nothing it lacks") {
    const Checkpoint ck = Checkpoint::open(tiny_a(), CheckpointValidation::HeadersOnly);
    const TensorManifest m = TensorManifest::for_config(ck.config());
    size_t matched = 0;
    for (const auto& name : ck.tensor_names()) {
        const ManifestEntry* e = m.find(name);
        if (!e) {
            CHECK(!"fixture tensor missing from the manifest");
            std::fprintf(stderr, "    not in manifest: %s\n", name.c_str());
            continue;
        }
        const TensorRef t = ck.tensor(name);
        if (!e->allows(t.dtype()) || e->shape != t.shape()) {
            std::fprintf(stderr, "    %s: fixture %s %s, manifest %s %s\n", name.c_str(),
                         std::string(dtype_name(t.dtype())).c_str(), shape_to_string(t.shape()).c_str(),
                         e->dtypes_text().c_str(), shape_to_string(e->shape).c_str());
            CHECK(!"dtype or shape differs");
            continue;
        }
        CHECK(e->dtype() == t.dtype());  // the first allowed dtype is the release's
        ++matched;
    }
    for (const auto& e : m.entries())
        if (!ck.has(e.name)) {
            std::fprintf(stderr, "    manifest lists a tensor the fixture lacks: %s\n", e.name.c_str());
            CHECK(!"manifest lists a tensor the fixture lacks");
        }
    CHECK_EQ(matched, ck.tensor_names().size());
    CHECK_EQ(m.entries().size(), ck.tensor_names().size());
}

TEST("manifest byte sizes add up to the index's total_size; routed experts are classified") {
    const Checkpoint ck = Checkpoint::open(tiny_a(), CheckpointValidation::HeadersOnly);
    const TensorManifest m = TensorManifest::for_config(ck.config());
    std::ifstream in(tiny_a() / "model.safetensors.index.json");
    const auto index = nlohmann::json::parse(in);
    CHECK_EQ(m.total_bytes(), index["metadata"]["total_size"].get<uint64_t>());
    uint64_t routed = 0, routed_count = 0;
    for (const auto& e : m.entries()) {
        CHECK_EQ(e.nbytes(), ck.tensor(e.name).info->nbytes());
        const bool looks_routed = e.name.find(".ffn.experts.") != std::string::npos;
        CHECK_EQ(e.routed_expert(), looks_routed);
        if (e.routed_expert()) {
            routed += e.nbytes();
            ++routed_count;
        }
    }
    // 6 blocks + 1 MTP block, 8 experts, w1/w2/w3 each with a scale.
    CHECK_EQ(routed_count, 7u * 8u * 6u);
    CHECK_EQ(m.routed_expert_bytes(), routed);
    CHECK_EQ(m.dense_bytes(), m.total_bytes() - routed);
    const ManifestEntry* e = m.find("layers.4.ffn.experts.5.w2.weight");
    CHECK(e && e->expert == 5 && e->block == "layers.4." && e->kind == TensorKind::Fp4Weight);
}

TEST("manifest follows the config: ratios, hash blocks, shared experts, MTP") {
    auto j = tiny_a_config_json();
    j["compress_ratios"] = {128, 4, 0};  // 2 blocks + MTP with ratio 0
    j["num_hidden_layers"] = 2;
    j["num_hash_layers"] = 1;
    j["n_shared_experts"] = 0;
    j["n_routed_experts"] = 3;
    const TensorManifest m = TensorManifest::for_config(ModelConfig::from_json(j, "test"));
    CHECK(m.find("layers.0.attn.compressor.ape"));
    CHECK(m.find("layers.0.attn.compressor.ape")->shape == (std::vector<int64_t>{128, 192}));
    CHECK(!m.find("layers.0.attn.indexer.wq_b.weight"));
    CHECK(m.find("layers.1.attn.compressor.wkv.weight")->shape == (std::vector<int64_t>{384, 256}));
    CHECK(m.find("layers.1.attn.indexer.compressor.ape")->shape == (std::vector<int64_t>{4, 256}));
    CHECK(m.find("layers.0.ffn.gate.tid2eid") && !m.find("layers.0.ffn.gate.bias"));
    CHECK(m.find("layers.0.ffn.gate.tid2eid")->allows(DType::I32));
    CHECK(m.find("layers.1.ffn.gate.bias") && !m.find("layers.1.ffn.gate.tid2eid"));
    CHECK(names_with(m, "shared_experts").empty());
    CHECK(names_with(m, "layers.2.").empty());
    CHECK(names_with(m, "mtp.0.attn.compressor").empty());
    CHECK(m.find("mtp.0.ffn.gate.bias"));
    CHECK(m.find("mtp.0.ffn.experts.2.w3.scale") && !m.find("mtp.0.ffn.experts.3.w1.weight"));
    CHECK(m.find("hc_head_fn")->shape == (std::vector<int64_t>{4, 1024}));
    CHECK(m.find("mtp.0.hc_head_scale")->shape == (std::vector<int64_t>{1}));
    // Each FP8/FP4 weight comes directly before its scale (fathom-synth computes scales while writing).
    for (size_t i = 0; i < m.entries().size(); ++i) {
        const auto& e = m.entries()[i];
        if (e.kind == TensorKind::Fp8Weight || e.kind == TensorKind::Fp4Weight) {
            CHECK(i + 1 < m.entries().size());
            const std::string stem = e.name.substr(0, e.name.size() - std::string(".weight").size());
            CHECK_EQ(m.entries()[i + 1].name, stem + ".scale");
        }
    }
}

TEST("a config whose widths FP4 cannot store is refused with the tensor named") {
    auto j = tiny_a_config_json();
    j["moe_intermediate_size"] = 200;
    CHECK_THROWS_WITH(TensorManifest::for_config(ModelConfig::from_json(j, "test")), "ffn.experts.0.w2");
}

UNIT_MAIN()
