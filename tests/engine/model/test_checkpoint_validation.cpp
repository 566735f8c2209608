// Checkpoint::open validates the whole checkpoint against the config's manifest: broken copies of v4-tiny-a
// (missing tensor, wrong shape, wrong dtype, index naming a missing shard, truncated shard) each give a clear error.
#include "fathom/error.hpp"
#include "model/checkpoint.hpp"
#include "model/safetensors_writer.hpp"
#include "unit.hpp"

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

using namespace fathom;
namespace fs = std::filesystem;

namespace {

fs::path tiny_a() { return unit::shared_dir() / "fixtures" / "v4-tiny-a"; }

struct ScratchDir {
    fs::path path;
    ScratchDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("fathom-ckval-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// One tensor as the copy will store it; the edit may change any field, or set keep = false.
struct CopiedTensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
    bool keep = true;
};

// Copies v4-tiny-a tensor by tensor into `dst` (same shards, fresh index), letting `edit` alter each tensor and
// `add` append tensors to the last shard.
void copy_tiny_a(const fs::path& dst, const std::function<void(CopiedTensor&)>& edit = {},
                 const std::vector<CopiedTensor>& add = {}) {
    const Checkpoint src = Checkpoint::open(tiny_a(), CheckpointValidation::HeadersOnly);
    fs::copy_file(tiny_a() / "config.json", dst / "config.json");
    nlohmann::json weight_map = nlohmann::json::object();
    uint64_t total = 0;
    for (size_t s = 0; s < src.shards().size(); ++s) {
        const auto& shard = *src.shards()[s];
        const std::string file = shard.path().filename().string();
        std::vector<CopiedTensor> tensors;
        for (const auto& info : shard.header().tensors) {
            auto bytes = shard.bytes(info);
            CopiedTensor t{info.name, info.dtype, info.shape, {bytes.begin(), bytes.end()}};
            if (edit) edit(t);
            if (t.keep) tensors.push_back(std::move(t));
        }
        if (s + 1 == src.shards().size()) tensors.insert(tensors.end(), add.begin(), add.end());
        SafetensorsWriter w(dst / file);
        w.set_metadata("format", "pt");
        for (const auto& t : tensors) w.declare(t.name, t.dtype, t.shape);
        for (const auto& t : tensors) {
            w.write(t.name, t.bytes);
            weight_map[t.name] = file;
            total += t.bytes.size();
        }
        w.finish();
    }
    nlohmann::json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
    std::ofstream(dst / "model.safetensors.index.json") << index.dump(2);
}

std::string open_error(const fs::path& dir) {
    try {
        Checkpoint::open(dir);
    } catch (const Error& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("NOT a fathom::Error: ") + e.what();
    }
    return "(opened without error)";
}

bool contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return true;
    std::fprintf(stderr, "    '%s' not found in: %s\n", part.c_str(), text.c_str());
    return false;
}

}  // namespace

TEST("v4-tiny-a passes full validation, and so does an exact copy") {
    const Checkpoint ck = Checkpoint::open(tiny_a());
    CHECK_EQ(ck.manifest().entries().size(), ck.tensor_names().size());
    CHECK(ck.unexpected_tensors().empty());
    ScratchDir dir;
    copy_tiny_a(dir.path);
    const Checkpoint copy = Checkpoint::open(dir.path);
    CHECK_EQ(copy.tensor_names().size(), ck.tensor_names().size());
}

TEST("missing tensor: named, with what was expected") {
    ScratchDir dir;
    copy_tiny_a(dir.path, [](CopiedTensor& t) { t.keep = t.name != "layers.2.attn.indexer.wq_b.scale"; });
    const std::string e = open_error(dir.path);
    CHECK(contains(e, dir.path.string()));
    CHECK(contains(e, "(1 problem)"));
    CHECK(contains(e, "tensor 'layers.2.attn.indexer.wq_b.scale' is missing (expected F8_E8M0 [16, 1])"));
}

TEST("wrong shape: the shard file, the tensor, found vs implied") {
    ScratchDir dir;
    copy_tiny_a(dir.path, [](CopiedTensor& t) {
        if (t.name == "layers.3.attn.compressor.ape") t.shape = {64, 384};  // same bytes, wrong layout
    });
    const std::string e = open_error(dir.path);
    CHECK(contains(e, "model-00001-of-00002.safetensors: tensor 'layers.3.attn.compressor.ape' has shape [64, 384], "
                      "the config implies [128, 192]"));
}

TEST("wrong dtype: found vs expected") {
    ScratchDir dir;
    copy_tiny_a(dir.path, [](CopiedTensor& t) {
        if (t.name == "mtp.0.hnorm.weight") t.dtype = DType::F16;
    });
    const std::string e = open_error(dir.path);
    CHECK(contains(e, "model-00002-of-00002.safetensors: tensor 'mtp.0.hnorm.weight' has dtype F16, expected BF16"));
}

TEST("tid2eid stored as I32 is accepted; an I8 one is not") {
    auto narrow = [](CopiedTensor& t, DType to) {
        if (t.name.find("tid2eid") == std::string::npos) return;
        std::vector<uint8_t> out;
        for (size_t i = 0; i < t.bytes.size(); i += 8)
            for (size_t b = 0; b < dtype_size(to); ++b) out.push_back(t.bytes[i + b]);  // little endian, small ids
        t.bytes = out;
        t.dtype = to;
    };
    ScratchDir ok, bad;
    copy_tiny_a(ok.path, [&](CopiedTensor& t) { narrow(t, DType::I32); });
    const Checkpoint ck = Checkpoint::open(ok.path);
    CHECK(ck.tensor("layers.1.ffn.gate.tid2eid").dtype() == DType::I32);
    copy_tiny_a(bad.path, [&](CopiedTensor& t) { narrow(t, DType::I8); });
    CHECK(contains(open_error(bad.path), "tensor 'layers.0.ffn.gate.tid2eid' has dtype I8, expected I64 or I32"));
}

TEST("index naming a shard that does not exist") {
    ScratchDir dir;
    copy_tiny_a(dir.path);
    const fs::path index_path = dir.path / "model.safetensors.index.json";
    nlohmann::json index = nlohmann::json::parse(std::ifstream(index_path));
    index["weight_map"]["head.weight"] = "model-00003-of-00003.safetensors";
    std::ofstream(index_path) << index.dump();
    const std::string e = open_error(dir.path);
    CHECK(contains(e, index_path.string()));
    CHECK(contains(e, "shard 'model-00003-of-00003.safetensors' (holding 'head.weight') does not exist"));
}

TEST("truncated shard") {
    ScratchDir dir;
    copy_tiny_a(dir.path);
    const fs::path shard = dir.path / "model-00002-of-00002.safetensors";
    fs::resize_file(shard, fs::file_size(shard) - 1000);
    const std::string e = open_error(dir.path);
    CHECK(contains(e, shard.string()));
    CHECK(contains(e, "norm.weight"));  // the last tensor of the shard is the one cut off
}

TEST("shard truncated inside its header") {
    ScratchDir dir;
    copy_tiny_a(dir.path);
    const fs::path shard = dir.path / "model-00001-of-00002.safetensors";
    fs::resize_file(shard, 100);
    CHECK(contains(open_error(dir.path), shard.string()));
}

TEST("unknown extra tensors are warnings, not errors") {
    ScratchDir dir;
    copy_tiny_a(dir.path, {}, {{"layers.0.attn.something_new", DType::F32, {2}, std::vector<uint8_t>(8, 0)}});
    const Checkpoint ck = Checkpoint::open(dir.path);
    CHECK_EQ(ck.unexpected_tensors().size(), 1u);
    CHECK_EQ(ck.unexpected_tensors().at(0), std::string("layers.0.attn.something_new"));
    CHECK(ck.has("layers.0.attn.something_new"));
}

TEST("a config that does not fit the shards: many problems, the list is bounded") {
    ScratchDir dir;
    copy_tiny_a(dir.path);
    nlohmann::json config = nlohmann::json::parse(std::ifstream(tiny_a() / "config.json"));
    config["n_routed_experts"] = 16;  // 8 more experts per block than the shards hold, and wider gates
    std::ofstream(dir.path / "config.json") << config.dump();
    const std::string e = open_error(dir.path);
    CHECK(contains(e, "does not match its config.json ("));
    CHECK(contains(e, "tensor 'layers.0.ffn.gate.weight' has shape [8, 256], the config implies [16, 256]"));
    CHECK(contains(e, "more"));
    CHECK(e.size() < 4000);
}

TEST("a config the manifest cannot describe names config.json and the tensor") {
    ScratchDir dir;
    copy_tiny_a(dir.path);
    nlohmann::json config = nlohmann::json::parse(std::ifstream(tiny_a() / "config.json"));
    config["moe_intermediate_size"] = 200;  // FP4 experts need inputs in multiples of 32
    std::ofstream(dir.path / "config.json") << config.dump();
    const std::string e = open_error(dir.path);
    CHECK(contains(e, (dir.path / "config.json").string()));
    CHECK(contains(e, "ffn.experts.0.w2"));
}

TEST("headers-only opening skips the manifest (for tools that show a broken checkpoint)") {
    ScratchDir dir;
    copy_tiny_a(dir.path, [](CopiedTensor& t) { t.keep = t.name != "head.weight"; });
    const Checkpoint ck = Checkpoint::open(dir.path, CheckpointValidation::HeadersOnly);
    CHECK(!ck.has("head.weight"));
    CHECK_THROWS_WITH(ck.tensor("head.weight"), "'head.weight' is missing");
}

UNIT_MAIN()
