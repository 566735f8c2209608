// Tensors of a folder of safetensors files found by name (golden fixtures, eval outputs), copied out as
// f32/i64/i32 vectors with their shape checked, for fathom-cli eval and check.
#pragma once

#include "model/safetensors.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace fathom::cli {

class TensorFolder {
public:
    // Every *.safetensors file in `path` (or `path` itself when it is a file), model shards excluded.
    explicit TensorFolder(const std::filesystem::path& path);

    bool has(const std::string& name) const;
    const TensorInfo& info(const std::string& name) const;
    std::vector<float> f32(const std::string& name) const;
    std::vector<int64_t> ints(const std::string& name) const;  // I64 or I32

private:
    const SafetensorsFile& file_of(const std::string& name) const;
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
};

}  // namespace fathom::cli
