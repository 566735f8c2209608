#include "model/safetensors_writer.hpp"

#include "fathom/error.hpp"

#include <nlohmann/json.hpp>

namespace fathom {

SafetensorsWriter::SafetensorsWriter(std::filesystem::path path) : path_(std::move(path)) {}

void SafetensorsWriter::declare(const std::string& name, DType dtype, std::vector<int64_t> shape) {
    if (header_written_) throw Error("safetensors writer " + path_.string() + ": declare after writing began");
    uint64_t n = dtype_size(dtype);
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);
    const uint64_t begin = entries_.empty() ? 0 : entries_.back().end;
    entries_.push_back({name, dtype, std::move(shape), begin, begin + n});
}

void SafetensorsWriter::write_header() {
    nlohmann::ordered_json h;
    if (!metadata_.empty()) h["__metadata__"] = metadata_;
    for (const auto& e : entries_)
        h[e.name] = {{"dtype", std::string(dtype_name(e.dtype))}, {"shape", e.shape}, {"data_offsets", {e.begin, e.end}}};
    std::string text = h.dump();
    while ((text.size() + 8) % 8 != 0) text.push_back(' ');  // keep the data section 8-byte aligned
    out_.open(path_, std::ios::binary | std::ios::trunc);
    if (!out_) throw Error("cannot create " + path_.string());
    uint64_t len = text.size();
    char len_bytes[8];
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<char>((len >> (8 * i)) & 0xff);
    out_.write(len_bytes, 8);
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
    header_written_ = true;
}

void SafetensorsWriter::write(const std::string& name, std::span<const uint8_t> bytes) {
    write_streamed(name, [&](const auto& sink) { sink(bytes); });
}

void SafetensorsWriter::write_streamed(
    const std::string& name, const std::function<void(const std::function<void(std::span<const uint8_t>)>&)>& producer) {
    if (!header_written_) write_header();
    if (next_ >= entries_.size() || entries_[next_].name != name)
        throw Error("safetensors writer " + path_.string() + ": tensor '" + name + "' written out of declaration order");
    const Entry& e = entries_[next_];
    uint64_t written = 0;
    producer([&](std::span<const uint8_t> piece) {
        written += piece.size();
        if (written > e.end - e.begin)
            throw Error("safetensors writer " + path_.string() + ": tensor '" + name + "' given more bytes than its shape holds");
        out_.write(reinterpret_cast<const char*>(piece.data()), static_cast<std::streamsize>(piece.size()));
        if (!out_) throw Error("write to " + path_.string() + " failed (disk full?)");
    });
    if (written != e.end - e.begin)
        throw Error("safetensors writer " + path_.string() + ": tensor '" + name + "' given " + std::to_string(written) +
                    " bytes, expected " + std::to_string(e.end - e.begin));
    ++next_;
}

void SafetensorsWriter::finish() {
    if (!header_written_) write_header();
    if (next_ != entries_.size())
        throw Error("safetensors writer " + path_.string() + ": " + std::to_string(entries_.size() - next_) +
                    " declared tensors were never written");
    out_.flush();
    if (!out_) throw Error("write to " + path_.string() + " failed (disk full?)");
    out_.close();
}

}  // namespace fathom
