// Synthesizer: writes a random-weight V4 checkpoint folder in the official layout (config.json,
// generation_config.json, tokenizer_config.json, bounded shards + index), streaming tensor by tensor.
#pragma once

#include "model/tensor_manifest.hpp"
#include "tools/synth/presets.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fathom::synth {

struct SynthOptions {
    std::string preset = "tiny";
    std::filesystem::path out;
    PresetOverrides overrides;
    uint64_t seed = 0;
    std::optional<std::filesystem::path> tokenizer;  // tokenizer.json to copy; none by default
    uint64_t shard_bytes = 0;  // 0: a quarter of the checkpoint, between 16 MiB and 4 GiB
    unsigned threads = 0;      // 0: every hardware thread
};

struct SynthReport {
    uint64_t tensor_bytes = 0;
    size_t tensors = 0;
    size_t shards = 0;
    double seconds = 0;
};

// Shards as lists of manifest entry indices, in manifest order; a weight and its scale never part, and a tensor
// larger than the limit gets a shard of its own.
std::vector<std::vector<size_t>> plan_shards(const TensorManifest& manifest, uint64_t shard_bytes);

// Throws fathom::Error (out folder not empty, unreadable tokenizer, disk full, ...).
SynthReport synthesize(const SynthOptions& options);

}  // namespace fathom::synth
