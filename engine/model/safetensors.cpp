#include "model/safetensors.hpp"

#include "fathom/error.hpp"

#include <algorithm>
#include <set>
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
// No checkpoint tensor has more dimensions; a longer shape is malformed input, not a tensor.
constexpr size_t kMaxRank = 16;
// Element counts past 2^50 (a petabyte of bytes) cannot be real tensors, and keep every product in 64 bits.
constexpr unsigned __int128 kMaxElements = static_cast<unsigned __int128>(1) << 50;
// Containers nest at most three deep (header object > tensor entry > shape array); anything deeper is
// malformed, and refusing it early keeps hostile inputs from building deep trees.
constexpr size_t kMaxNesting = 3;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
    throw Error("safetensors file " + file + ": " + what);
}

std::string quoted(const std::string& name) { return "'" + name + "'"; }

// nlohmann keeps the last of two equal keys without a word, so a header naming one tensor twice would
// silently lose the first entry. This parser callback sees every key of every object as it is read and
// rejects repeats (and over-deep nesting) before the tree is built.
class HeaderShapeGuard {
public:
    explicit HeaderShapeGuard(const std::string& file) : file_(file) {}

    bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        switch (event) {
            case E::object_start:
            case E::array_start:
                if (open_.size() >= kMaxNesting) fail(file_, where() + "nests deeper than a safetensors header can");
                open_.push_back({event == E::object_start, {}});
                break;
            case E::object_end:
            case E::array_end:
                if (!open_.empty()) open_.pop_back();
                if (open_.size() == 1) tensor_.clear();
                break;
            case E::key: {
                if (open_.empty() || !parsed.is_string()) break;
                const std::string& key = parsed.get_ref<const std::string&>();
                if (open_.size() == 1) {
                    if (!open_.back().keys.insert(key).second)
                        fail(file_, "tensor " + quoted(key) + " appears twice in the header");
                    tensor_ = key;
                } else if (!open_.back().keys.insert(key).second) {
                    fail(file_, where() + "key " + quoted(key) + " appears twice");
                }
                break;
            }
            case E::value:
                break;
        }
        return true;
    }

private:
    std::string where() const { return tensor_.empty() ? std::string() : "tensor " + quoted(tensor_) + ": "; }

    struct Open {
        bool is_object;
        std::set<std::string> keys;
    };
    const std::string& file_;
    std::vector<Open> open_;
    std::string tensor_;  // the top-level key whose value is being read
};

TensorInfo parse_entry(const std::string& file, const std::string& name, const nlohmann::json& entry,
                       uint64_t data_size) {
    if (name.empty()) fail(file, "a tensor has an empty name");
    const std::string tensor = "tensor " + quoted(name) + ": ";
    if (!entry.is_object()) fail(file, tensor + "entry is not an object (JSON " + entry.type_name() + ")");
    TensorInfo t;
    t.name = name;
    auto dt = entry.find("dtype");
    if (dt == entry.end() || !dt->is_string()) fail(file, tensor + "missing dtype (expected a string)");
    auto dtype = parse_dtype(dt->get_ref<const std::string&>());
    if (!dtype) fail(file, tensor + "unknown dtype " + quoted(dt->get<std::string>()));
    t.dtype = *dtype;

    auto sh = entry.find("shape");
    if (sh == entry.end() || !sh->is_array()) fail(file, tensor + "missing shape (expected an array)");
    if (sh->size() > kMaxRank)
        fail(file, tensor + "shape has " + std::to_string(sh->size()) + " dimensions (at most " +
                       std::to_string(kMaxRank) + " accepted)");
    unsigned __int128 count = 1;
    for (const auto& d : *sh) {
        if (!d.is_number_integer()) fail(file, tensor + "shape holds a non-integer (" + d.dump() + ")");
        if (!d.is_number_unsigned()) fail(file, tensor + "shape holds a negative dimension (" + d.dump() + ")");
        const uint64_t v = d.get<uint64_t>();
        if (v > kMaxElements) fail(file, tensor + "dimension " + std::to_string(v) + " is absurdly large");
        t.shape.push_back(static_cast<int64_t>(v));
        count *= v;  // both factors <= 2^50: no 128-bit overflow
        if (count > kMaxElements) fail(file, tensor + "shape " + sh->dump() + " holds absurdly many elements");
    }

    auto off = entry.find("data_offsets");
    if (off == entry.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
        !(*off)[1].is_number_unsigned())
        fail(file, tensor + "data_offsets must be two non-negative integers");
    t.begin = (*off)[0].get<uint64_t>();
    t.end = (*off)[1].get<uint64_t>();
    if (t.begin > t.end)
        fail(file, tensor + "data_offsets begin (" + std::to_string(t.begin) + ") after end (" + std::to_string(t.end) + ")");
    if (t.end > data_size)
        fail(file, tensor + "bytes [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                       ") lie past the end of the data section (" + std::to_string(data_size) +
                       " bytes; file truncated?)");
    const unsigned __int128 expected = count * dtype_size(t.dtype);
    if (expected != t.end - t.begin)
        fail(file, tensor + "holds " + std::to_string(t.end - t.begin) + " bytes, its shape " + sh->dump() + " and dtype " +
                       std::string(dtype_name(t.dtype)) + " need " + std::to_string(static_cast<uint64_t>(expected)));
    return t;
}

void parse_metadata(const std::string& file, const nlohmann::json& meta, SafetensorsHeader& h) {
    if (!meta.is_object()) fail(file, "__metadata__ is not an object (JSON " + std::string(meta.type_name()) + ")");
    for (auto m = meta.begin(); m != meta.end(); ++m) {
        if (!m.value().is_string()) fail(file, "__metadata__ value " + quoted(m.key()) + " is not a string");
        h.metadata[m.key()] = m.value().get<std::string>();
    }
}

// Sorted by offset, every non-empty tensor must start at or after the furthest end seen so far; comparing
// only neighbours would miss an overlap hidden behind an empty tensor or inside a larger one.
void check_no_overlap(const std::string& file, std::vector<TensorInfo>& tensors) {
    std::sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    const TensorInfo* furthest = nullptr;
    for (const auto& t : tensors) {
        if (t.nbytes() == 0) continue;
        if (furthest && t.begin < furthest->end)
            fail(file, "tensors " + quoted(furthest->name) + " [" + std::to_string(furthest->begin) + ", " +
                           std::to_string(furthest->end) + ") and " + quoted(t.name) + " [" + std::to_string(t.begin) +
                           ", " + std::to_string(t.end) + ") overlap");
        if (!furthest || t.end > furthest->end) furthest = &t;
    }
}

}  // namespace

SafetensorsHeader parse_safetensors_header(std::span<const uint8_t> bytes, const std::string& file) {
    if (bytes.size() < 8)
        fail(file, "shorter than the 8-byte header length (" + std::to_string(bytes.size()) + " bytes; truncated?)");
    uint64_t header_length = 0;
    for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | bytes[i];
    if (header_length > kMaxHeaderLength) fail(file, "header length " + std::to_string(header_length) + " exceeds 100 MB");
    if (header_length > bytes.size() - 8)
        fail(file, "header length " + std::to_string(header_length) + " runs past the end of the file (" +
                       std::to_string(bytes.size()) + " bytes; truncated?)");
    if (header_length < 2) fail(file, "header length " + std::to_string(header_length) + " cannot hold a JSON object");

    SafetensorsHeader h;
    h.header_length = header_length;
    h.data_offset = 8 + header_length;
    const uint64_t data_size = bytes.size() - h.data_offset;

    nlohmann::json j;
    const auto* text = reinterpret_cast<const char*>(bytes.data() + 8);
    try {
        j = nlohmann::json::parse(text, text + header_length, HeaderShapeGuard(file));
    } catch (const nlohmann::json::exception& e) {
        fail(file, std::string("header is not valid JSON: ") + e.what());
    }
    if (!j.is_object()) fail(file, "header is not a JSON object (JSON " + std::string(j.type_name()) + ")");

    for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "__metadata__") parse_metadata(file, it.value(), h);
        else h.tensors.push_back(parse_entry(file, it.key(), it.value(), data_size));
    }
    check_no_overlap(file, h.tensors);
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
