// fathom-synth round trips: the tiny preset and a flash-width checkpoint (1 block, 8 experts) are written to a
// temp folder and read back by Checkpoint::open with full validation; weights are checked for their formats'
// scale rules and sane magnitudes, and a forward pass over the tiny one gives finite, moderate logits.
#include "fathom/error.hpp"
#include "model/checkpoint.hpp"
#include "model/number_formats.hpp"
#include "model/weight_decode.hpp"
#include "runtime/model.hpp"
#include "tools/synth/synthesizer.hpp"
#include "unit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <random>
#include <set>

using namespace fathom;
using namespace fathom::synth;
namespace fs = std::filesystem;

namespace {

struct ScratchDir {
    fs::path path;
    ScratchDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("fathom-synth-test-" + std::to_string(rd()) + std::to_string(rd()));
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(std::ifstream(p)); }

double stddev(const std::vector<float>& v) {
    double s = 0, s2 = 0;
    for (float x : v) {
        s += x;
        s2 += double(x) * x;
    }
    const double m = s / v.size();
    return std::sqrt(std::max(0.0, s2 / v.size() - m * m));
}

// FP8: each 128x128 block's largest code magnitude must lie in [224, 448] (else the scale was not the smallest
// power of two that fits); FP4: each group of 32's largest code magnitude in [3, 6].
void check_fp8_scales(const Checkpoint& ck, const std::string& stem) {
    const TensorRef w = ck.tensor(stem + ".weight"), s = ck.tensor(stem + ".scale");
    const int64_t out = w.dim(0), in = w.dim(1), sc = s.dim(1);
    std::vector<float> block_max(static_cast<size_t>(s.info->numel()), 0.0f);
    for (int64_t i = 0; i < out; ++i)
        for (int64_t j = 0; j < in; ++j) {
            float& m = block_max[static_cast<size_t>(i / 128 * sc + j / 128)];
            m = std::max(m, std::fabs(fp8_e4m3_to_f32(w.bytes[static_cast<size_t>(i * in + j)])));
        }
    int bad = 0;
    for (float m : block_max) bad += !(m >= 224.0f && m <= 448.0f);
    CHECK_EQ(bad, 0);
}

void check_fp4_scales(const Checkpoint& ck, const std::string& stem) {
    const TensorRef w = ck.tensor(stem + ".weight");
    int bad = 0;
    for (size_t g = 0; g < w.bytes.size() / 16; ++g) {
        float m = 0;
        for (size_t b = 0; b < 16; ++b) {
            const uint8_t byte = w.bytes[g * 16 + b];
            m = std::max({m, std::fabs(fp4_e2m1_to_f32(byte & 15)), std::fabs(fp4_e2m1_to_f32(byte >> 4))});
        }
        bad += !(m >= 3.0f && m <= 6.0f);
    }
    CHECK_EQ(bad, 0);
}

}  // namespace

TEST("presets: flash and pro follow the spec's tables; --layers keeps the MTP entry") {
    const auto flash = preset_config("flash", {});
    CHECK_EQ(flash["hidden_size"].get<int64_t>(), 4096);
    CHECK_EQ(flash["num_hidden_layers"].get<int64_t>(), 43);
    const auto ratios = flash["compress_ratios"].get<std::vector<int64_t>>();
    CHECK_EQ(ratios.size(), 44u);
    CHECK_EQ(std::count(ratios.begin(), ratios.end(), 4), 21);  // 21 CSA + 20 HCA blocks (spec, section 4)
    CHECK_EQ(std::count(ratios.begin(), ratios.end(), 128), 20);
    CHECK(ratios[0] == 0 && ratios[1] == 0 && ratios[2] == 4 && ratios[3] == 128 && ratios[42] == 4 && ratios[43] == 0);
    const auto pro = preset_config("pro", {});
    CHECK_EQ(pro["hidden_size"].get<int64_t>(), 7168);
    CHECK_EQ(pro["n_routed_experts"].get<int64_t>(), 384);
    CHECK_EQ(pro["routed_scaling_factor"].get<double>(), 2.5);
    CHECK_EQ(pro["index_topk"].get<int64_t>(), 1024);
    const auto pr = pro["compress_ratios"].get<std::vector<int64_t>>();
    CHECK(pr.size() == 62u && pr[0] == 128 && pr[1] == 128 && pr[2] == 4 && pr[60] == 4 && pr[61] == 0);
    const auto cut = preset_config("flash", {.layers = 5, .experts = 4});
    CHECK(cut["compress_ratios"].get<std::vector<int64_t>>() == (std::vector<int64_t>{0, 0, 4, 128, 4, 0}));
    CHECK_EQ(cut["n_routed_experts"].get<int64_t>(), 4);
    CHECK_EQ(cut["num_experts_per_tok"].get<int64_t>(), 4);
    CHECK_EQ(preset_config("flash", {.layers = 1})["num_hash_layers"].get<int64_t>(), 1);
    CHECK_THROWS_WITH(preset_config("huge", {}), "unknown preset 'huge'");
    CHECK_THROWS_WITH(preset_config("tiny", {.layers = 0}), "--layers");
}

TEST("tiny: written in the official layout, read back with full validation, formats and magnitudes right") {
    ScratchDir dir;
    SynthOptions o;
    o.preset = "tiny";
    o.out = dir.path;
    o.seed = 3;
    o.tokenizer = unit::shared_dir() / "fixtures" / "tokenizer-v4" / "tokenizer.json";
    const SynthReport r = synthesize(o);
    CHECK(r.shards >= 3);
    const Checkpoint ck = Checkpoint::open(dir.path);
    CHECK(ck.unexpected_tensors().empty());
    CHECK_EQ(ck.tensor_names().size(), ck.manifest().entries().size());
    CHECK_EQ(ck.shards().size(), r.shards);
    CHECK_EQ(ck.config().vocab_size, 129280);
    CHECK(fs::file_size(dir.path / "tokenizer.json") == fs::file_size(*o.tokenizer));

    const auto index = read_json(dir.path / "model.safetensors.index.json");
    CHECK_EQ(index["metadata"]["total_size"].get<uint64_t>(), ck.manifest().total_bytes());
    const auto gen = read_json(dir.path / "generation_config.json");
    CHECK_EQ(gen["temperature"].get<double>(), 1.0);
    CHECK_EQ(gen["top_p"].get<double>(), 1.0);
    CHECK_EQ(read_json(dir.path / "tokenizer_config.json")["bos_token"].get<std::string>(),
             std::string("<｜begin▁of▁sentence｜>"));

    // The tiny preset mixes every block type and both routings.
    std::set<int64_t> kinds(ck.config().compress_ratios.begin(), ck.config().compress_ratios.end());
    CHECK(kinds == (std::set<int64_t>{0, 4, 128}));
    CHECK(ck.has("layers.0.ffn.gate.tid2eid") && ck.has("layers.3.ffn.gate.bias"));

    for (const std::string stem : {"layers.1.attn.wq_b", "layers.1.attn.wo_a", "layers.2.ffn.shared_experts.w2",
                                   "layers.1.attn.indexer.wq_b", "mtp.0.e_proj"})
        check_fp8_scales(ck, stem);
    for (const std::string stem : {"layers.0.ffn.experts.0.w1", "layers.3.ffn.experts.7.w2", "mtp.0.ffn.experts.2.w3"})
        check_fp4_scales(ck, stem);

    // Magnitudes: linear weights ~ 1/sqrt(fan_in) after decoding, norms ~ 1, gate bias ~ 0.
    const auto wq_a = decode_fp8_weight(ck.tensor("layers.2.attn.wq_a.weight"), ck.tensor("layers.2.attn.wq_a.scale"));
    CHECK_NEAR(stddev(wq_a) * std::sqrt(256.0), 1.0, 0.1);
    const auto w2 = decode_fp4_weight(ck.tensor("layers.2.ffn.experts.1.w2.weight"),
                                      ck.tensor("layers.2.ffn.experts.1.w2.scale"));
    CHECK_NEAR(stddev(w2) * std::sqrt(256.0), 1.0, 0.15);
    const auto head = decode_float_tensor(ck.tensor("head.weight"));
    CHECK_NEAR(stddev(head) * std::sqrt(256.0), 1.0, 0.05);
    for (float g : decode_float_tensor(ck.tensor("layers.1.attn_norm.weight"))) CHECK(g > 0.85f && g < 1.15f);
    for (float b : decode_float_tensor(ck.tensor("layers.3.ffn.gate.bias"))) CHECK(std::fabs(b) < 0.1f);

    // tid2eid: distinct experts in range for every token.
    const TensorRef t = ck.tensor("layers.1.ffn.gate.tid2eid");
    const auto* ids = reinterpret_cast<const int64_t*>(t.bytes.data());
    int bad = 0;
    for (int64_t tok = 0; tok < t.dim(0); ++tok) {
        const int64_t a = ids[2 * tok], b = ids[2 * tok + 1];
        bad += !(a >= 0 && a < 8 && b >= 0 && b < 8 && a != b);
    }
    CHECK_EQ(bad, 0);
}

TEST("tiny: the forward pass stays sane (finite logits of moderate size)") {
    ScratchDir dir;
    SynthOptions o;
    o.out = dir.path;
    synthesize(o);
    runtime::Model model(Checkpoint::open(dir.path));
    runtime::Session session(model);
    std::vector<int64_t> tokens(300);
    std::mt19937 rng(5);
    for (auto& t : tokens) t = std::uniform_int_distribution<int64_t>(2, 129279)(rng);
    std::vector<float> logits(129280);
    session.prefill(tokens.data(), static_cast<int64_t>(tokens.size()), logits.data());
    bool finite = true;
    for (float x : logits) finite &= std::isfinite(x);
    CHECK(finite);
    const double sd = stddev(logits);
    std::fprintf(stderr, "    tiny logits after 300 tokens: std %.3f\n", sd);
    CHECK(sd > 0.05 && sd < 50.0);
}

TEST("deterministic for a seed whatever the thread count; another seed differs") {
    ScratchDir a, b, c;
    SynthOptions o;
    o.overrides.layers = 2;
    o.seed = 11;
    o.out = a.path;
    o.threads = 1;
    synthesize(o);
    o.out = b.path;
    o.threads = 4;
    synthesize(o);
    o.out = c.path;
    o.seed = 12;
    synthesize(o);
    auto bytes = [](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        return std::vector<char>(std::istreambuf_iterator<char>(in), {});
    };
    int shards = 0;
    for (const auto& e : fs::directory_iterator(a.path)) {
        const auto name = e.path().filename();
        CHECK(bytes(e.path()) == bytes(b.path / name));
        if (name.extension() == ".safetensors") {
            ++shards;
            CHECK(bytes(e.path()) != bytes(c.path / name));
        }
    }
    CHECK(shards >= 2);
}

TEST("flash width, 1 block, 8 experts: read back with full validation") {
    ScratchDir dir;
    SynthOptions o;
    o.preset = "flash";
    o.out = dir.path;
    o.overrides.layers = 1;
    o.overrides.experts = 8;
    const auto t0 = std::chrono::steady_clock::now();
    const SynthReport r = synthesize(o);
    const Checkpoint ck = Checkpoint::open(dir.path);
    std::fprintf(stderr, "    flash-width 1 block: %.2f GB in %zu shards, written in %.1f s (%.0f MB/s), whole test step %.1f s\n",
                 r.tensor_bytes / 1e9, r.shards, r.seconds, r.tensor_bytes / 1e6 / r.seconds,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    CHECK_EQ(ck.config().hidden_size, 4096);
    CHECK_EQ(ck.config().head_dim, 512);
    CHECK(ck.config().compress_ratios == (std::vector<int64_t>{0, 0}));
    CHECK(ck.shards().size() >= 2);
    CHECK(ck.tensor("layers.0.attn.wo_a.weight").shape() == (std::vector<int64_t>{8192, 4096}));
    CHECK(ck.tensor("layers.0.ffn.gate.tid2eid").shape() == (std::vector<int64_t>{129280, 6}));
    check_fp8_scales(ck, "layers.0.attn.wq_b");
    check_fp4_scales(ck, "mtp.0.ffn.experts.7.w1");
}

TEST("refuses a non-empty output folder and a missing tokenizer") {
    ScratchDir dir;
    fs::create_directories(dir.path);
    std::ofstream(dir.path / "keep.txt") << "x";
    SynthOptions o;
    o.out = dir.path;
    CHECK_THROWS_WITH(synthesize(o), "not an empty folder");
    o.out = dir.path / "sub";
    o.tokenizer = dir.path / "missing.json";
    CHECK_THROWS_WITH(synthesize(o), "missing.json");
}

UNIT_MAIN()
