// Checkpoint: the official V4 checkpoint folder (config.json, model.safetensors.index.json, shards),
// memory-mapped and validated against the config's tensor manifest; tensors are found by their official names.
#pragma once

#include "model/model_config.hpp"
#include "model/safetensors.hpp"
#include "model/tensor_manifest.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace fathom {

struct TensorRef {
    const TensorInfo* info = nullptr;
    std::span<const uint8_t> bytes;
    const std::filesystem::path* file = nullptr;

    const std::string& name() const { return info->name; }
    DType dtype() const { return info->dtype; }
    const std::vector<int64_t>& shape() const { return info->shape; }
    int64_t dim(size_t i) const { return info->shape.at(i); }
};

enum class CheckpointValidation {
    Full,         // every tensor the config implies, with its dtype and shape (the default: nothing runs on less)
    HeadersOnly,  // shard headers and index only, for tools that show what a broken checkpoint holds
};

class Checkpoint {
public:
    // Reads config.json, the shard index (or a single model.safetensors) and every shard's header, then checks
    // every tensor of the manifest. Throws fathom::Error naming the file and the tensor, expected vs found;
    // tensors the manifest does not know are logged as warnings and listed by unexpected_tensors().
    static Checkpoint open(const std::filesystem::path& dir,
                           CheckpointValidation validation = CheckpointValidation::Full);

    const std::filesystem::path& dir() const { return dir_; }
    const ModelConfig& config() const { return config_; }
    const TensorManifest& manifest() const { return manifest_; }
    const std::vector<std::string>& unexpected_tensors() const { return unexpected_; }

    bool has(const std::string& name) const { return index_.count(name) != 0; }
    TensorRef tensor(const std::string& name) const;  // throws naming the folder and the tensor
    // Like tensor(), and checks dtype and shape; the error says what was expected and what was found.
    TensorRef expect(const std::string& name, DType dtype, const std::vector<int64_t>& shape) const;
    // Accepts any of the listed dtypes (e.g. tid2eid in I64 or I32).
    TensorRef expect_any(const std::string& name, std::initializer_list<DType> dtypes,
                         const std::vector<int64_t>& shape) const;

    std::vector<std::string> tensor_names() const;
    const std::vector<std::unique_ptr<SafetensorsFile>>& shards() const { return shards_; }

private:
    void validate_against_manifest();

    std::filesystem::path dir_;
    ModelConfig config_;
    TensorManifest manifest_;
    std::vector<std::string> unexpected_;
    std::vector<std::unique_ptr<SafetensorsFile>> shards_;
    std::map<std::string, std::pair<size_t, const TensorInfo*>> index_;
};

std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace fathom
