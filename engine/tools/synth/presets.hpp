// fathom-synth presets: the config.json of V4-Flash and V4-Pro (the spec's tables) and of a tiny model with the
// real vocabulary, with --layers / --experts overrides applied the way the official configs are laid out.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace fathom::synth {

struct PresetOverrides {
    std::optional<int64_t> layers;   // num_hidden_layers; compress_ratios follow the preset's pattern, MTP kept
    std::optional<int64_t> experts;  // n_routed_experts (num_experts_per_tok clamped to it)
};

// Throws fathom::Error for an unknown preset name or an override out of range.
nlohmann::ordered_json preset_config(const std::string& preset, const PresetOverrides& overrides);

nlohmann::ordered_json generation_config(const nlohmann::ordered_json& config);
nlohmann::ordered_json tokenizer_config(const nlohmann::ordered_json& config);

}  // namespace fathom::synth
