#include "tools/synth/synthesizer.hpp"

#include "fathom/error.hpp"
#include "model/model_config.hpp"
#include "model/safetensors_writer.hpp"
#include "tools/synth/piece_pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <spdlog/spdlog.h>
#include <thread>

namespace fathom::synth {

namespace fs = std::filesystem;

namespace {

std::shared_ptr<spdlog::logger> synth_log() {
    auto l = spdlog::get("synth");
    return l ? l : spdlog::default_logger();
}

bool is_weight_with_scale(const ManifestEntry& e) {
    return e.kind == TensorKind::Fp8Weight || e.kind == TensorKind::Fp4Weight;
}

bool is_scale(const ManifestEntry& e) { return e.kind == TensorKind::Fp8Scale || e.kind == TensorKind::Fp4Scale; }

void write_json(const fs::path& path, const nlohmann::ordered_json& j) {
    std::ofstream out(path);
    out << j.dump(2) << "\n";
    if (!out) throw Error("fathom-synth: cannot write " + path.string());
}

std::string shard_file_name(size_t i, size_t n) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, n);
    return buf;
}

constexpr uint64_t kPieceBytes = 4ull << 20;

}  // namespace

std::vector<std::vector<size_t>> plan_shards(const TensorManifest& m, uint64_t limit) {
    const auto& entries = m.entries();
    std::vector<std::vector<size_t>> shards;
    uint64_t filled = 0;
    for (size_t i = 0; i < entries.size();) {
        const size_t unit = is_weight_with_scale(entries[i]) ? 2 : 1;
        uint64_t unit_bytes = 0;
        for (size_t k = i; k < i + unit; ++k) unit_bytes += entries[k].nbytes();
        if (shards.empty() || (filled > 0 && filled + unit_bytes > limit)) {
            shards.emplace_back();
            filled = 0;
        }
        for (size_t k = i; k < i + unit; ++k) shards.back().push_back(k);
        filled += unit_bytes;
        i += unit;
    }
    return shards;
}

SynthReport synthesize(const SynthOptions& o) {
    const auto start = std::chrono::steady_clock::now();
    const nlohmann::ordered_json config_json = preset_config(o.preset, o.overrides);
    const ModelConfig config = ModelConfig::from_json(nlohmann::json::parse(config_json.dump()), "preset " + o.preset);
    const TensorManifest manifest = TensorManifest::for_config(config);
    const auto& entries = manifest.entries();

    if (o.out.empty()) throw Error("fathom-synth: --out DIR is required");
    if (fs::exists(o.out) && !(fs::is_directory(o.out) && fs::is_empty(o.out)))
        throw Error("fathom-synth: " + o.out.string() + " exists and is not an empty folder; refusing to overwrite");
    if (o.tokenizer && !fs::is_regular_file(*o.tokenizer))
        throw Error("fathom-synth: tokenizer " + o.tokenizer->string() + " is not a readable file");
    fs::create_directories(o.out);

    const uint64_t limit = o.shard_bytes ? o.shard_bytes
                                         : std::clamp<uint64_t>(manifest.total_bytes() / 4, 16ull << 20, 4ull << 30);
    const auto shards = plan_shards(manifest, limit);
    const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());

    // Every generated piece of every tensor, in writing order; the pipeline runs across shard boundaries.
    std::vector<std::pair<size_t, RowRange>> items;
    std::vector<size_t> pieces_of(entries.size(), 0);
    for (const auto& shard : shards)
        for (size_t i : shard) {
            if (is_scale(entries[i])) continue;
            for (const RowRange& r : split_rows(entries[i], kPieceBytes)) items.emplace_back(i, r);
        }
    for (const auto& [i, _] : items) ++pieces_of[i];
    PiecePipeline pipeline(
        items.size(),
        [&](size_t k) { return generate_piece(entries[items[k].first], items[k].second, o.seed, config.n_routed_experts); },
        threads, 4 * static_cast<size_t>(threads));

    synth_log()->info("fathom-synth: preset {} ({} blocks, {} experts), {} tensors, {:.2f} GB in {} shards, seed {}, "
                      "{} threads -> {}",
                      o.preset, config.num_hidden_layers, config.n_routed_experts, entries.size(),
                      manifest.total_bytes() / 1e9, shards.size(), o.seed, threads, o.out.string());
    nlohmann::json weight_map = nlohmann::json::object();
    SynthReport report;
    for (size_t s = 0; s < shards.size(); ++s) {
        const std::string file = shard_file_name(s, shards.size());
        SafetensorsWriter writer(o.out / file);
        writer.set_metadata("format", "pt");
        for (size_t i : shards[s]) writer.declare(entries[i].name, entries[i].dtype(), entries[i].shape);
        std::vector<uint8_t> pending_scales;  // of the weight just written
        uint64_t shard_bytes = 0;
        for (size_t i : shards[s]) {
            const ManifestEntry& e = entries[i];
            if (is_scale(e)) {
                writer.write(e.name, pending_scales);
                pending_scales.clear();
            } else {
                writer.write_streamed(e.name, [&](const auto& sink) {
                    for (size_t p = 0; p < pieces_of[i]; ++p) {
                        Piece piece = pipeline.next();
                        sink(piece.bytes);
                        pending_scales.insert(pending_scales.end(), piece.scales.begin(), piece.scales.end());
                    }
                });
            }
            weight_map[e.name] = file;
            shard_bytes += e.nbytes();
            ++report.tensors;
        }
        writer.finish();
        report.tensor_bytes += shard_bytes;
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        synth_log()->info("fathom-synth: {} ({:.1f} MB, {} tensors), {:.1f} MB/s so far", file, shard_bytes / 1e6,
                          shards[s].size(), report.tensor_bytes / 1e6 / std::max(elapsed, 1e-9));
    }

    write_json(o.out / "config.json", config_json);
    write_json(o.out / "generation_config.json", generation_config(config_json));
    write_json(o.out / "tokenizer_config.json", tokenizer_config(config_json));
    nlohmann::ordered_json index;
    index["metadata"] = {{"total_size", report.tensor_bytes}};
    index["weight_map"] = weight_map;
    write_json(o.out / "model.safetensors.index.json", index);
    if (o.tokenizer) {
        fs::copy_file(*o.tokenizer, o.out / "tokenizer.json");
    } else {
        synth_log()->warn("fathom-synth: no tokenizer.json written (none given; pass --tokenizer FILE, e.g. "
                          "shared/fixtures/tokenizer-v4/tokenizer.json)");
    }
    report.shards = shards.size();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace fathom::synth
