#include "model/safetensors.hpp"

#include "fathom/error.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace fathom {

int64_t TensorInfo::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

namespace {

// Largest header we accept: the safetensors format caps it at 100 MB.
constexpr uint64_t kMaxHeaderLength = 100ull * 1024 * 1024;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
    throw Error("safetensors file " + file + ": " + what);
}

TensorInfo parse_entry(const std::string& file, const std::string& name, const nlohmann::json& entry,
                       uint64_t data_size) {
    if (!entry.is_object()) fail(file, "tensor '" + name + "': entry is not an object");
    TensorInfo t;
    t.name = name;
    auto dt = entry.find("dtype");
    if (dt == entry.end() || !dt->is_string()) fail(file, "tensor '" + name + "': missing dtype");
    auto dtype = parse_dtype(dt->get<std::string>());
    if (!dtype) fail(file, "tensor '" + name + "': unknown dtype '" + dt->get<std::string>() + "'");
    t.dtype = *dtype;

    auto sh = entry.find("shape");
    if (sh == entry.end() || !sh->is_array()) fail(file, "tensor '" + name + "': missing shape");
    unsigned __int128 count = 1;
    for (const auto& d : *sh) {
        if (!d.is_number_integer()) fail(file, "tensor '" + name + "': shape holds a non-integer");
        int64_t v = d.get<int64_t>();
        if (v < 0) fail(file, "tensor '" + name + "': negative dimension");
        t.shape.push_back(v);
        count *= static_cast<unsigned __int128>(v);
        if (count > (static_cast<unsigned __int128>(1) << 62)) fail(file, "tensor '" + name + "': shape too large");
    }

    auto off = entry.find("data_offsets");
    if (off == entry.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
        !(*off)[1].is_number_unsigned())
        fail(file, "tensor '" + name + "': data_offsets must be two non-negative integers");
    t.begin = (*off)[0].get<uint64_t>();
    t.end = (*off)[1].get<uint64_t>();
    if (t.begin > t.end) fail(file, "tensor '" + name + "': data_offsets begin after end");
    if (t.end > data_size)
        fail(file, "tensor '" + name + "': bytes [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                       ") lie past the end of the data section (" + std::to_string(data_size) +
                       " bytes; file truncated?)");
    unsigned __int128 expected = count * dtype_size(t.dtype);
    if (expected != t.end - t.begin)
        fail(file, "tensor '" + name + "': holds " + std::to_string(t.end - t.begin) + " bytes, its shape and dtype need " +
                       std::to_string(static_cast<uint64_t>(expected)));
    return t;
}

}  // namespace

SafetensorsHeader parse_safetensors_header(std::span<const uint8_t> bytes, const std::string& file) {
    if (bytes.size() < 8) fail(file, "shorter than the 8-byte header length (" + std::to_string(bytes.size()) + " bytes)");
    uint64_t header_length = 0;
    for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | bytes[i];
    if (header_length > kMaxHeaderLength) fail(file, "header length " + std::to_string(header_length) + " exceeds 100 MB");
    if (header_length > bytes.size() - 8)
        fail(file, "header length " + std::to_string(header_length) + " runs past the end of the file (" +
                       std::to_string(bytes.size()) + " bytes; truncated?)");

    SafetensorsHeader h;
    h.header_length = header_length;
    h.data_offset = 8 + header_length;
    const uint64_t data_size = bytes.size() - h.data_offset;

    nlohmann::json j;
    try {
        j = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<ptrdiff_t>(header_length));
    } catch (const nlohmann::json::exception& e) {
        fail(file, std::string("header is not valid JSON: ") + e.what());
    }
    if (!j.is_object()) fail(file, "header is not a JSON object");

    for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it.value().is_object()) fail(file, "__metadata__ is not an object");
            for (auto m = it.value().begin(); m != it.value().end(); ++m) {
                if (!m.value().is_string()) fail(file, "__metadata__ value '" + m.key() + "' is not a string");
                h.metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        h.tensors.push_back(parse_entry(file, it.key(), it.value(), data_size));
    }

    std::sort(h.tensors.begin(), h.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    for (size_t i = 1; i < h.tensors.size(); ++i) {
        const auto& prev = h.tensors[i - 1];
        const auto& cur = h.tensors[i];
        if (cur.begin < prev.end && cur.nbytes() > 0 && prev.nbytes() > 0)
            fail(file, "tensors '" + prev.name + "' and '" + cur.name + "' overlap");
    }
    return h;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : file_(path) {
    header_ = parse_safetensors_header(file_.bytes(), path.string());
    for (size_t i = 0; i < header_.tensors.size(); ++i) index_[header_.tensors[i].name] = i;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) throw Error("safetensors file " + path().string() + ": no tensor '" + name + "'");
    return header_.tensors[it->second];
}

std::span<const uint8_t> SafetensorsFile::bytes(const TensorInfo& info) const {
    return file_.bytes().subspan(header_.data_offset + info.begin, info.nbytes());
}

}  // namespace fathom
