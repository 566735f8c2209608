#include "model/checkpoint.hpp"

#include "fathom/error.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <spdlog/spdlog.h>

namespace fathom {

namespace {

std::shared_ptr<spdlog::logger> engine_log() {
    auto l = spdlog::get("engine");
    return l ? l : spdlog::default_logger();
}

// Enough problems to see the pattern (a wrong layer count misses hundreds of tensors) without a wall of text.
constexpr size_t kProblemsShown = 12;

}  // namespace

std::string shape_to_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

Checkpoint Checkpoint::open(const std::filesystem::path& dir, CheckpointValidation validation) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(dir)) throw Error("checkpoint " + dir.string() + ": not a folder");
    Checkpoint c;
    c.dir_ = dir;
    c.config_ = ModelConfig::load(dir / "config.json");

    std::vector<std::string> shard_names;
    std::map<std::string, std::string> weight_map;
    std::optional<uint64_t> declared_total_size;
    const fs::path index_path = dir / "model.safetensors.index.json";
    if (fs::exists(index_path)) {
        std::ifstream in(index_path);
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
            throw Error("checkpoint index " + index_path.string() + ": not valid JSON: " + e.what());
        }
        auto wm = j.find("weight_map");
        if (wm == j.end() || !wm->is_object())
            throw Error("checkpoint index " + index_path.string() + ": no 'weight_map' object");
        if (auto meta = j.find("metadata"); meta != j.end() && meta->is_object()) {
            auto ts = meta->find("total_size");
            if (ts != meta->end() && ts->is_number_unsigned()) declared_total_size = ts->get<uint64_t>();
        }
        std::set<std::string> seen;
        for (auto it = wm->begin(); it != wm->end(); ++it) {
            if (!it.value().is_string())
                throw Error("checkpoint index " + index_path.string() + ": entry '" + it.key() + "' is not a file name");
            const std::string shard = it.value().get<std::string>();
            if (shard.find('/') != std::string::npos || shard == ".." || shard.empty())
                throw Error("checkpoint index " + index_path.string() + ": shard name '" + shard + "' is not a plain file name");
            weight_map[it.key()] = shard;
            if (seen.insert(shard).second) shard_names.push_back(shard);
        }
    } else if (fs::exists(dir / "model.safetensors")) {
        shard_names.push_back("model.safetensors");
    } else {
        throw Error("checkpoint " + dir.string() + ": neither model.safetensors.index.json nor model.safetensors found");
    }

    for (const auto& name : shard_names) {
        if (!fs::exists(dir / name)) {
            std::string holds;
            size_t count = 0;
            for (const auto& [t, shard] : weight_map)
                if (shard == name && count++ == 0) holds = t;
            throw Error("checkpoint index " + index_path.string() + ": shard '" + name + "' (holding '" + holds +
                        "'" + (count > 1 ? " and " + std::to_string(count - 1) + " more tensors" : "") +
                        ") does not exist in " + dir.string());
        }
        c.shards_.push_back(std::make_unique<SafetensorsFile>(dir / name));
        const size_t shard_index = c.shards_.size() - 1;
        for (const auto& t : c.shards_.back()->header().tensors) {
            auto [it, inserted] = c.index_.emplace(t.name, std::make_pair(shard_index, &t));
            if (!inserted)
                throw Error("checkpoint " + dir.string() + ": tensor '" + t.name + "' appears in both " +
                            c.shards_[it->second.first]->path().filename().string() + " and " + name);
            auto w = weight_map.find(t.name);
            if (!weight_map.empty() && (w == weight_map.end() || w->second != name))
                throw Error("checkpoint " + dir.string() + ": tensor '" + t.name + "' is stored in " + name +
                            " but the index " + (w == weight_map.end() ? "does not list it" : "names " + w->second));
        }
    }
    for (const auto& [name, shard] : weight_map)
        if (!c.index_.count(name))
            throw Error("checkpoint " + dir.string() + ": the index lists tensor '" + name + "' in " + shard +
                        " but that file does not hold it");
    if (declared_total_size) {
        uint64_t actual = 0;
        for (const auto& [_, where] : c.index_) actual += where.second->nbytes();
        if (actual != *declared_total_size)
            engine_log()->warn("checkpoint index {}: metadata.total_size is {} but the shards hold {} bytes of tensors",
                               index_path.string(), *declared_total_size, actual);
    }
    if (validation == CheckpointValidation::Full) {
        try {
            c.manifest_ = TensorManifest::for_config(c.config_);
        } catch (const Error& e) {
            throw Error("checkpoint " + (dir / "config.json").string() + ": " + e.what());
        }
        c.validate_against_manifest();
    }
    engine_log()->info("opened checkpoint {} ({} tensors in {} shards{})", dir.string(), c.index_.size(),
                       c.shards_.size(), validation == CheckpointValidation::Full ? ", validated" : ", not validated");
    return c;
}

void Checkpoint::validate_against_manifest() {
    std::vector<std::string> problems;
    for (const auto& want : manifest_.entries()) {
        auto it = index_.find(want.name);
        if (it == index_.end()) {
            problems.push_back("tensor '" + want.name + "' is missing (expected " + want.dtypes_text() + " " +
                               shape_to_string(want.shape) + ")");
            continue;
        }
        const TensorInfo& found = *it->second.second;
        const std::string file = shards_[it->second.first]->path().filename().string();
        if (!want.allows(found.dtype))
            problems.push_back(file + ": tensor '" + want.name + "' has dtype " + std::string(dtype_name(found.dtype)) +
                               ", expected " + want.dtypes_text());
        if (found.shape != want.shape)
            problems.push_back(file + ": tensor '" + want.name + "' has shape " + shape_to_string(found.shape) +
                               ", the config implies " + shape_to_string(want.shape));
    }
    for (const auto& [name, where] : index_) {
        if (manifest_.find(name)) continue;
        unexpected_.push_back(name);
        if (unexpected_.size() <= kProblemsShown)
            engine_log()->warn("checkpoint {}: {} holds tensor '{}', which config.json does not imply; it is ignored",
                               dir_.string(), shards_[where.first]->path().filename().string(), name);
    }
    if (unexpected_.size() > kProblemsShown)
        engine_log()->warn("checkpoint {}: {} more unexpected tensors ignored", dir_.string(),
                           unexpected_.size() - kProblemsShown);
    if (problems.empty()) return;
    std::string text = "checkpoint " + dir_.string() + " does not match its config.json (" +
                       std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems") + "): ";
    for (size_t i = 0; i < problems.size() && i < kProblemsShown; ++i) text += (i ? "; " : "") + problems[i];
    if (problems.size() > kProblemsShown) text += "; and " + std::to_string(problems.size() - kProblemsShown) + " more";
    throw Error(text);
}

TensorRef Checkpoint::tensor(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) throw Error("checkpoint " + dir_.string() + ": tensor '" + name + "' is missing");
    const auto& shard = *shards_[it->second.first];
    TensorRef r;
    r.info = it->second.second;
    r.bytes = shard.bytes(*r.info);
    r.file = &shard.path();
    return r;
}

TensorRef Checkpoint::expect(const std::string& name, DType dtype, const std::vector<int64_t>& shape) const {
    return expect_any(name, {dtype}, shape);
}

TensorRef Checkpoint::expect_any(const std::string& name, std::initializer_list<DType> dtypes,
                                 const std::vector<int64_t>& shape) const {
    TensorRef r = tensor(name);
    bool dtype_ok = false;
    std::string wanted;
    for (DType d : dtypes) {
        dtype_ok |= (r.dtype() == d);
        wanted += (wanted.empty() ? "" : " or ") + std::string(dtype_name(d));
    }
    if (!dtype_ok)
        throw Error("checkpoint " + r.file->string() + ": tensor '" + name + "' has dtype " +
                    std::string(dtype_name(r.dtype())) + ", expected " + wanted);
    if (r.shape() != shape)
        throw Error("checkpoint " + r.file->string() + ": tensor '" + name + "' has shape " + shape_to_string(r.shape()) +
                    ", the config implies " + shape_to_string(shape));
    return r;
}

std::vector<std::string> Checkpoint::tensor_names() const {
    std::vector<std::string> names;
    names.reserve(index_.size());
    for (const auto& [n, _] : index_) names.push_back(n);
    return names;
}

}  // namespace fathom
