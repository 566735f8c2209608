// Whole-tensor FP8 / FP4 decoding against values worked out by hand from the spec (§1 storage formats):
// tensors are written with SafetensorsWriter, read back through SafetensorsFile, decoded, and compared.
#include "model/safetensors.hpp"
#include "model/safetensors_writer.hpp"
#include "model/weight_decode.hpp"
#include "unit.hpp"

#include <cmath>
#include <cstdint>
#include <unistd.h>
#include <vector>

using namespace fathom;

namespace {

std::filesystem::path temp_file(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("fathom_test_decode_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / name;
}

TensorRef ref(const SafetensorsFile& f, const std::string& name) { return {&f.info(name), f.bytes(name), &f.path()}; }

void write_pair(const std::filesystem::path& path, DType weight_dtype, std::vector<int64_t> weight_shape,
                const std::vector<uint8_t>& weight, std::vector<int64_t> scale_shape, const std::vector<uint8_t>& scale) {
    SafetensorsWriter w(path);
    w.declare("w.weight", weight_dtype, std::move(weight_shape));
    w.declare("w.scale", DType::F8_E8M0, std::move(scale_shape));
    w.write_values("w.weight", weight);
    w.write_values("w.scale", scale);
    w.finish();
}

// e4m3 written from the definition (sign, 4-bit exponent with bias 7, 3-bit mantissa, exponent 0 subnormal,
// S.1111.111 NaN), in double, independently of number_formats.hpp.
double e4m3_by_definition(uint8_t code) {
    const int sign = code >> 7, exponent = (code >> 3) & 15, mantissa = code & 7;
    if (exponent == 15 && mantissa == 7) return NAN;
    const double magnitude = exponent == 0 ? (mantissa / 8.0) * std::pow(2.0, -6)
                                           : (1.0 + mantissa / 8.0) * std::pow(2.0, exponent - 7);
    return sign ? -magnitude : magnitude;
}

bool same_float(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

}  // namespace

TEST("fp8 [200, 136]: 128x128 block scales, partial last blocks, edge codes") {
    const int64_t out = 200, in = 136;
    std::vector<uint8_t> q(out * in);
    for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i) q[o * in + i] = static_cast<uint8_t>((o * 7 + i * 3) & 0xff);
    auto at = [&](int64_t o, int64_t i) -> uint8_t& { return q[o * in + i]; };
    at(0, 0) = 0x38;      // 1.0
    at(127, 127) = 0x7e;  // 448, the largest finite e4m3, last element of block (0,0)
    at(0, 128) = 0x38;    // first column of block (0,1)
    at(127, 128) = 0x01;  // smallest subnormal 2^-9
    at(128, 0) = 0x40;    // 2.0, first row of block (1,0)
    at(199, 127) = 0x07;  // largest subnormal 7 * 2^-9
    at(128, 128) = 0x80;  // negative zero
    at(199, 135) = 0xfe;  // -448, last element of the partial block (1,1)
    at(5, 5) = 0x7f;      // NaN
    at(150, 130) = 0xff;  // NaN, negative sign
    // Scales [ceil(200/128), ceil(136/128)] = [2, 2]: 2^0, 2^3 / 2^-7, 2^3.
    const std::vector<uint8_t> s = {127, 130, 120, 130};
    const auto path = temp_file("fp8.safetensors");
    write_pair(path, DType::F8_E4M3, {out, in}, q, {2, 2}, s);
    SafetensorsFile f(path);
    const auto w = decode_fp8_weight(ref(f, "w.weight"), ref(f, "w.scale"));
    CHECK_EQ(w.size(), size_t(out * in));
    auto v = [&](int64_t o, int64_t i) { return w[o * in + i]; };
    CHECK_EQ(v(0, 0), 1.0f);
    CHECK_EQ(v(127, 127), 448.0f);
    CHECK_EQ(v(0, 128), 8.0f);
    CHECK_EQ(v(127, 128), 0.015625f);              // 2^-9 * 2^3
    CHECK_EQ(v(128, 0), 0.015625f);                // 2 * 2^-7
    CHECK_EQ(v(199, 127), 7.0f / 65536.0f);        // 7 * 2^-9 * 2^-7
    CHECK(v(128, 128) == 0.0f && std::signbit(v(128, 128)));
    CHECK_EQ(v(199, 135), -3584.0f);               // -448 * 8
    CHECK(std::isnan(v(5, 5)));
    CHECK(std::isnan(v(150, 130)));
    // Every element against the definition: block (o/128, i/128), scale 2^(byte - 127).
    int mismatches = 0;
    for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i) {
            const double scale = std::pow(2.0, s[(o / 128) * 2 + i / 128] - 127);
            if (!same_float(v(o, i), static_cast<float>(e4m3_by_definition(at(o, i)) * scale))) ++mismatches;
        }
    CHECK_EQ(mismatches, 0);
}

TEST("fp8 with e8m0 extremes: 2^-127, 2^127 and the NaN scale 0xff") {
    const std::vector<uint8_t> s = {0, 254, 255};
    std::vector<uint8_t> q(384, 0x00);
    q[0] = 0x38;    // 1 * 2^-127
    q[1] = 0x01;    // 2^-9 * 2^-127 = 2^-136, a float subnormal, still exact
    q[128] = 0x38;  // 1 * 2^127
    q[129] = 0x30;  // 0.5 * 2^127
    q[256] = 0x38;  // 1 * NaN
    const auto path = temp_file("fp8_extremes.safetensors");
    write_pair(path, DType::F8_E4M3, {1, 384}, q, {1, 3}, s);
    SafetensorsFile f(path);
    const auto w = decode_fp8_weight(ref(f, "w.weight"), ref(f, "w.scale"));
    CHECK_EQ(w[0], std::ldexp(1.0f, -127));
    CHECK(w[0] > 0.0f);
    CHECK_EQ(w[1], std::ldexp(1.0f, -136));
    CHECK_EQ(w[128], std::ldexp(1.0f, 127));
    CHECK_EQ(w[129], std::ldexp(1.0f, 126));
    CHECK(std::isnan(w[256]));
    CHECK(std::isnan(w[257]));  // 0 * NaN
}

TEST("fp8 rejects block scales of the wrong shape, naming the tensor") {
    const auto path = temp_file("fp8_bad.safetensors");
    write_pair(path, DType::F8_E4M3, {200, 136}, std::vector<uint8_t>(200 * 136), {1, 2}, {127, 127});
    SafetensorsFile f(path);
    CHECK_THROWS_WITH(decode_fp8_weight(ref(f, "w.weight"), ref(f, "w.scale")), "tensor 'w.scale': expected F8_E8M0");
    CHECK_THROWS_WITH(decode_fp8_weight(ref(f, "w.weight"), ref(f, "w.scale")), path.string());
}

TEST("fp4: all sixteen e2m1 codes, low nibble first, one scale per 32 inputs") {
    // [2, 64] values stored as I8 [2, 32]; scales [2, 2].
    std::vector<uint8_t> q(64, 0);
    for (int k = 0; k < 8; ++k) q[k] = static_cast<uint8_t>(((2 * k + 1) << 4) | (2 * k));  // columns 0..15: codes 0..15
    for (int k = 8; k < 16; ++k) q[k] = 0x71;   // even column code 1 (0.5), odd column code 7 (6)
    for (int k = 16; k < 32; ++k) q[k] = 0x17;  // even column code 7 (6), odd column code 1 (0.5)
    for (int k = 32; k < 64; ++k) q[k] = 0xf0;  // row 1: even 0, odd code 15 (-6)
    const std::vector<uint8_t> s = {128, 126, 127, 0};  // row 0: x2, x0.5; row 1: x1, x2^-127
    const auto path = temp_file("fp4.safetensors");
    write_pair(path, DType::I8, {2, 32}, q, {2, 2}, s);
    SafetensorsFile f(path);
    const auto w = decode_fp4_weight(ref(f, "w.weight"), ref(f, "w.scale"));
    CHECK_EQ(w.size(), size_t{128});
    const float codes_times_two[16] = {0, 1, 2, 3, 4, 6, 8, 12, -0.0f, -1, -2, -3, -4, -6, -8, -12};
    for (int c = 0; c < 16; ++c) CHECK(same_float(w[c], codes_times_two[c]));
    CHECK(std::signbit(w[8]));  // code 8 is negative zero
    CHECK_EQ(w[16], 1.0f);      // 0.5 * 2
    CHECK_EQ(w[17], 12.0f);     // 6 * 2
    CHECK_EQ(w[31], 12.0f);     // last column under the first scale
    CHECK_EQ(w[32], 3.0f);      // first column under the second scale: 6 * 0.5
    CHECK_EQ(w[33], 0.25f);     // 0.5 * 0.5
    CHECK_EQ(w[63], 0.25f);
    CHECK(same_float(w[64], 0.0f));
    CHECK_EQ(w[65], -6.0f);
    CHECK_EQ(w[95], -6.0f);
    CHECK_EQ(w[97], -6.0f * std::ldexp(1.0f, -127));
    CHECK_EQ(w[127], -3.0f * std::ldexp(1.0f, -126));
}

TEST("fp4 rejects scales of the wrong shape and widths that are not whole scale groups") {
    const auto path = temp_file("fp4_bad.safetensors");
    write_pair(path, DType::I8, {2, 32}, std::vector<uint8_t>(64), {2, 1}, {127, 127});
    SafetensorsFile f(path);
    CHECK_THROWS_WITH(decode_fp4_weight(ref(f, "w.weight"), ref(f, "w.scale")), "tensor 'w.scale': expected F8_E8M0 scales");
    const auto odd = temp_file("fp4_odd.safetensors");
    write_pair(odd, DType::I8, {1, 8}, std::vector<uint8_t>(8), {1, 1}, {127});
    SafetensorsFile g(odd);
    CHECK_THROWS_WITH(decode_fp4_weight(ref(g, "w.weight"), ref(g, "w.scale")), "tensor 'w.weight': input width");
}

TEST("bf16 and f32 decode; other dtypes are rejected") {
    const auto path = temp_file("float.safetensors");
    {
        SafetensorsWriter w(path);
        w.declare("b", DType::BF16, {4});
        w.declare("f", DType::F32, {2});
        w.declare("i", DType::I32, {1});
        w.write_values("b", std::vector<uint16_t>{0x3f80, 0xc040, 0x7f80, 0x0001});
        w.write_values("f", std::vector<float>{1.5f, -2.25f});
        w.write_values("i", std::vector<int32_t>{7});
        w.finish();
    }
    SafetensorsFile f(path);
    const auto b = decode_float_tensor(ref(f, "b"));
    CHECK_EQ(b[0], 1.0f);
    CHECK_EQ(b[1], -3.0f);
    CHECK(std::isinf(b[2]));
    CHECK_EQ(b[3], std::ldexp(1.0f, -133));  // smallest bf16 subnormal
    const auto x = decode_float_tensor(ref(f, "f"));
    CHECK_EQ(x[1], -2.25f);
    CHECK_THROWS_WITH(decode_float_tensor(ref(f, "i")), "tensor 'i': expected BF16 or F32, found I32");
    std::filesystem::remove_all(path.parent_path());
}

UNIT_MAIN()
