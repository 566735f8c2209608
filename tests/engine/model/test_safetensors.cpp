// The safetensors header parser on well-formed files and on one crafted malformation per check: each gives
// a fathom::Error naming the file and, where there is one, the tensor.
#include "model/safetensors.hpp"
#include "model/safetensors_writer.hpp"
#include "unit.hpp"

#include <cstdint>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace fathom;

namespace {

// A whole file: little-endian header length, header text, then `data_bytes` bytes of data.
std::vector<uint8_t> file_bytes(const std::string& header, size_t data_bytes = 0) {
    std::vector<uint8_t> out;
    const uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>((n >> (8 * i)) & 0xff));
    out.insert(out.end(), header.begin(), header.end());
    out.resize(out.size() + data_bytes, 0xab);
    return out;
}

SafetensorsHeader parse(const std::string& header, size_t data_bytes = 0) {
    return parse_safetensors_header(file_bytes(header, data_bytes), "crafted.safetensors");
}

std::filesystem::path temp_dir() {
    auto dir = std::filesystem::temp_directory_path() / ("fathom_test_safetensors_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

TEST("a well-formed header parses: dtypes, shapes, offsets sorted by data, metadata") {
    auto h = parse(R"({"__metadata__":{"format":"pt"},)"
                   R"("b":{"dtype":"BF16","shape":[2,3],"data_offsets":[16,28]},)"
                   R"("a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                   R"("s":{"dtype":"F8_E8M0","shape":[],"data_offsets":[28,29]}})",
                   29);
    CHECK_EQ(h.tensors.size(), size_t{3});
    CHECK_EQ(h.tensors[0].name, std::string("a"));
    CHECK_EQ(h.tensors[1].name, std::string("b"));
    CHECK(h.tensors[1].dtype == DType::BF16);
    CHECK_EQ(h.tensors[1].numel(), int64_t{6});
    CHECK_EQ(h.tensors[2].numel(), int64_t{1});  // a scalar: empty shape, one element
    CHECK_EQ(h.metadata.at("format"), std::string("pt"));
    CHECK_EQ(h.data_offset, uint64_t{8} + h.header_length);
}

TEST("empty tensors may share an offset; gaps between tensors are allowed") {
    auto h = parse(R"({"e":{"dtype":"F32","shape":[0,5],"data_offsets":[4,4]},)"
                   R"("x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                   R"("y":{"dtype":"U8","shape":[2],"data_offsets":[8,10]}})",
                   10);
    CHECK_EQ(h.tensors.size(), size_t{3});
}

TEST("short file and header length past the end are errors naming the file") {
    CHECK_THROWS_WITH(parse_safetensors_header(std::vector<uint8_t>{1, 2, 3}, "tiny.safetensors"),
                      "tiny.safetensors: shorter than the 8-byte header length (3 bytes");
    auto bytes = file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4);
    bytes.resize(20);  // truncated inside the header
    CHECK_THROWS_WITH(parse_safetensors_header(bytes, "cut.safetensors"), "cut.safetensors: header length");
    CHECK_THROWS_WITH(parse_safetensors_header(bytes, "cut.safetensors"), "runs past the end of the file (20 bytes");
    std::vector<uint8_t> huge = {0, 0, 0, 0, 0, 1, 0, 0, '{', '}'};
    CHECK_THROWS_WITH(parse_safetensors_header(huge, "huge.safetensors"), "exceeds 100 MB");
    CHECK_THROWS_WITH(parse(""), "cannot hold a JSON object");
}

TEST("invalid JSON and a non-object header are errors") {
    CHECK_THROWS_WITH(parse(R"({"a":{"dtype":"F32")"), "crafted.safetensors: header is not valid JSON");
    CHECK_THROWS_WITH(parse(R"([1,2,3])"), "header is not a JSON object (JSON array)");
    CHECK_THROWS_WITH(parse(R"({"a":1} trailing)"), "header is not valid JSON");
}

TEST("a tensor named twice is an error (nlohmann alone would keep the last silently)") {
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                            R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                            8),
                      "crafted.safetensors: tensor 'w' appears twice in the header");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[1],"dtype":"I32","data_offsets":[0,4]}})", 4),
                      "tensor 'w': key 'dtype' appears twice");
    CHECK_THROWS_WITH(parse(R"({"__metadata__":{"k":"a","k":"b"}})"), "key 'k' appears twice");
}

TEST("non-object entries and bad metadata are errors naming the tensor") {
    CHECK_THROWS_WITH(parse(R"({"w":[0,4]})"), "tensor 'w': entry is not an object (JSON array)");
    CHECK_THROWS_WITH(parse(R"({"w":"F32"})"), "tensor 'w': entry is not an object (JSON string)");
    CHECK_THROWS_WITH(parse(R"({"__metadata__":[1]})"), "__metadata__ is not an object (JSON array)");
    CHECK_THROWS_WITH(parse(R"({"__metadata__":{"n":3}})"), "__metadata__ value 'n' is not a string");
    CHECK_THROWS_WITH(parse(R"({"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4), "empty name");
}

TEST("missing or mistyped fields and unknown dtypes are errors naming the tensor") {
    CHECK_THROWS_WITH(parse(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4), "tensor 'w': missing dtype");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4), "tensor 'w': missing shape");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[1]}})", 4), "tensor 'w': data_offsets must be");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4), "data_offsets must be");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", 4), "data_offsets must be");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}})", 4), "data_offsets must be");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F8_E5M2","shape":[4],"data_offsets":[0,4]}})", 4),
                      "tensor 'w': unknown dtype 'F8_E5M2'");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":7,"shape":[4],"data_offsets":[0,4]}})", 4), "missing dtype");
}

TEST("negative, fractional, nested and absurd shapes are errors") {
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
                      "tensor 'w': shape holds a negative dimension");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4),
                      "tensor 'w': shape holds a non-integer");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", 4),
                      "tensor 'w': nests deeper than a safetensors header can");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4),
                      "tensor 'w': shape [4294967296,4294967296] holds absurdly many elements");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]}})", 4),
                      "absurdly large");
    std::string many = "[";
    for (int i = 0; i < 40; ++i) many += i ? ",1" : "1";
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":)" + many + R"(],"data_offsets":[0,4]}})", 4),
                      "shape has 40 dimensions");
}

TEST("byte ranges: past the end, reversed, or not matching shape times element size") {
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 12),
                      "tensor 'w': bytes [0, 16) lie past the end of the data section (12 bytes; file truncated?)");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 12),
                      "tensor 'w': data_offsets begin (8) after end (4)");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"BF16","shape":[3,2],"data_offsets":[0,8]}})", 8),
                      "tensor 'w': holds 8 bytes, its shape [3,2] and dtype BF16 need 12");
    CHECK_THROWS_WITH(parse(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", 16), "need 8");
}

TEST("overlapping tensors are errors, also when an empty tensor or a nested range sits between them") {
    CHECK_THROWS_WITH(parse(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                            12),
                      "tensors 'a' [0, 8) and 'b' [4, 12) overlap");
    // Sorted by offset: a [0,16), e [8,8) empty, b [12,20): neighbours a|e and e|b never overlap.
    CHECK_THROWS_WITH(parse(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                            R"("e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                            20),
                      "tensors 'a' [0, 16) and 'b' [12, 20) overlap");
    // A range inside a larger one.
    CHECK_THROWS_WITH(parse(R"({"big":{"dtype":"U8","shape":[32],"data_offsets":[0,32]},)"
                            R"("in":{"dtype":"U8","shape":[4],"data_offsets":[40,44]},)"
                            R"("c":{"dtype":"U8","shape":[4],"data_offsets":[20,24]}})",
                            44),
                      "tensors 'big' [0, 32) and 'c' [20, 24) overlap");
    CHECK_THROWS_WITH(parse(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                            R"("b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})",
                            4),
                      "overlap");
}

TEST("SafetensorsFile names the file on disk; a truncated file is an error, never a crash") {
    const auto dir = temp_dir();
    const auto path = dir / "t.safetensors";
    {
        SafetensorsWriter w(path);
        w.declare("x", DType::F32, {3});
        w.declare("y", DType::U8, {5});
        w.write_values("x", std::vector<float>{1, 2, 3});
        w.write_values("y", std::vector<uint8_t>{1, 2, 3, 4, 5});
        w.finish();
    }
    {
        SafetensorsFile f(path);
        CHECK_EQ(f.info("y").nbytes(), uint64_t{5});
        CHECK_EQ(f.bytes("y")[4], uint8_t{5});
        CHECK_THROWS_WITH(f.info("z"), path.string() + ": no tensor 'z'");
    }
    const auto size = std::filesystem::file_size(path);
    std::filesystem::resize_file(path, size - 2);
    CHECK_THROWS_WITH(SafetensorsFile(path), path.string() + ": tensor 'y': bytes [12, 17) lie past the end");
    std::filesystem::resize_file(path, 12);
    CHECK_THROWS_WITH(SafetensorsFile(path), path.string() + ": header length");
    std::filesystem::resize_file(path, 0);
    CHECK_THROWS_WITH(SafetensorsFile(path), "shorter than the 8-byte header length (0 bytes");
    std::filesystem::remove_all(dir);
}

TEST("the fixture's real shards parse, every tensor inside its file") {
    const auto dir = unit::shared_dir() / "fixtures/v4-tiny-a";
    size_t tensors = 0;
    for (const char* shard : {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
        SafetensorsFile f(dir / shard);
        tensors += f.header().tensors.size();
        for (const auto& t : f.header().tensors) CHECK(f.header().data_offset + t.end <= std::filesystem::file_size(dir / shard));
    }
    CHECK(tensors > 500);
}

UNIT_MAIN()
