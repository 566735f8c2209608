// Parser and strict validator for one safetensors file: 8-byte header length, JSON header, data section.
// Every tensor's dtype, shape and byte range is checked against the file before any byte of it is used.
#pragma once

#include "model/dtype.hpp"
#include "model/mapped_file.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace fathom {

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // byte offsets inside the data section
    uint64_t end = 0;

    int64_t numel() const;
    uint64_t nbytes() const { return end - begin; }
};

struct SafetensorsHeader {
    uint64_t header_length = 0;
    uint64_t data_offset = 0;  // 8 + header_length
    std::vector<TensorInfo> tensors;  // in file order of their data
    std::map<std::string, std::string> metadata;
};

// Throws fathom::Error naming `file_label` (and the tensor) on any malformation: short file, header length
// past the end, invalid JSON, a key repeated in any object (duplicate tensor names included), nesting deeper
// than a header's, non-object entries, unknown dtype, negative, non-integer or absurd shape (over 16 dims or
// 2^50 elements), byte range outside the data section, size not equal to numel * element size, overlapping
// ranges. Never reads outside `file_bytes`; fuzzed by tests/engine/fuzz.
SafetensorsHeader parse_safetensors_header(std::span<const uint8_t> file_bytes, const std::string& file_label);

// A mapped, validated safetensors file with typed access to its tensors.
class SafetensorsFile {
public:
    explicit SafetensorsFile(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return file_.path(); }
    const SafetensorsHeader& header() const { return header_; }
    bool has(const std::string& name) const { return index_.count(name) != 0; }
    const TensorInfo& info(const std::string& name) const;  // throws naming file and tensor
    std::span<const uint8_t> bytes(const TensorInfo& info) const;
    std::span<const uint8_t> bytes(const std::string& name) const { return bytes(info(name)); }

private:
    MappedFile file_;
    SafetensorsHeader header_;
    std::map<std::string, size_t> index_;
};

}  // namespace fathom
