// SafetensorsWriter: writes a safetensors file tensor by tensor, streaming the data so that checkpoints far
// larger than RAM (fathom-synth at full V4 width) and eval outputs share one writer.
#pragma once

#include "model/dtype.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace fathom {

class SafetensorsWriter {
public:
    // Declare every tensor first (name, dtype, shape), then write() each in declaration order.
    explicit SafetensorsWriter(std::filesystem::path path);

    void declare(const std::string& name, DType dtype, std::vector<int64_t> shape);
    void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }

    // Writes the header (after the last declare) and then the tensor's bytes, which must be exactly its size.
    void write(const std::string& name, std::span<const uint8_t> bytes);
    // Streams a tensor in pieces: the producer is called with a sink until it has produced all bytes.
    void write_streamed(const std::string& name, const std::function<void(const std::function<void(std::span<const uint8_t>)>&)>& producer);
    void finish();  // checks every declared tensor was written; flushes; throws on I/O errors (e.g. disk full)

    template <typename T>
    void write_values(const std::string& name, const std::vector<T>& values) {
        write(name, {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(T)});
    }

private:
    struct Entry {
        std::string name;
        DType dtype;
        std::vector<int64_t> shape;
        uint64_t begin, end;
    };
    void write_header();

    std::filesystem::path path_;
    std::ofstream out_;
    std::vector<Entry> entries_;
    std::map<std::string, std::string> metadata_;
    size_t next_ = 0;
    bool header_written_ = false;
};

}  // namespace fathom
