#include "model/weight_decode.hpp"

#include "fathom/error.hpp"
#include "model/number_formats.hpp"

#include <cstring>

namespace fathom {

namespace {
[[noreturn]] void fail(const TensorRef& t, const std::string& what) {
    throw Error("checkpoint " + t.file->string() + ": tensor '" + t.name() + "': " + what);
}
}  // namespace

std::vector<float> decode_fp8_weight(const TensorRef& weight, const TensorRef& scale) {
    if (weight.dtype() != DType::F8_E4M3 || weight.shape().size() != 2) fail(weight, "expected a 2-D F8_E4M3 weight");
    const int64_t out = weight.dim(0), in = weight.dim(1);
    const int64_t so = (out + 127) / 128, si = (in + 127) / 128;
    if (scale.dtype() != DType::F8_E8M0 || scale.shape() != std::vector<int64_t>{so, si})
        fail(scale, "expected F8_E8M0 block scales of shape " + shape_to_string({so, si}));
    std::vector<float> w(static_cast<size_t>(out * in));
    const uint8_t* q = weight.bytes.data();
    const uint8_t* s = scale.bytes.data();
    for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i)
            w[o * in + i] = fp8_e4m3_to_f32(q[o * in + i]) * e8m0_to_f32(s[(o / 128) * si + i / 128]);
    return w;
}

std::vector<float> decode_fp4_weight(const TensorRef& weight, const TensorRef& scale) {
    if (weight.dtype() != DType::I8 || weight.shape().size() != 2) fail(weight, "expected a 2-D I8 packed FP4 weight");
    const int64_t out = weight.dim(0), in = weight.dim(1) * 2;
    if (in % 32 != 0) fail(weight, "input width must be a multiple of 32");
    if (scale.dtype() != DType::F8_E8M0 || scale.shape() != std::vector<int64_t>{out, in / 32})
        fail(scale, "expected F8_E8M0 scales of shape " + shape_to_string({out, in / 32}));
    std::vector<float> w(static_cast<size_t>(out * in));
    const uint8_t* q = weight.bytes.data();
    const uint8_t* s = scale.bytes.data();
    for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; i += 2) {
            const uint8_t byte = q[o * (in / 2) + i / 2];
            const float sc = e8m0_to_f32(s[o * (in / 32) + i / 32]);
            w[o * in + i] = fp4_e2m1_to_f32(byte & 0xf) * sc;
            w[o * in + i + 1] = fp4_e2m1_to_f32(byte >> 4) * sc;
        }
    return w;
}

std::vector<float> decode_float_tensor(const TensorRef& t) {
    const size_t n = static_cast<size_t>(t.info->numel());
    std::vector<float> v(n);
    if (t.dtype() == DType::F32) {
        std::memcpy(v.data(), t.bytes.data(), n * 4);
    } else if (t.dtype() == DType::BF16) {
        for (size_t i = 0; i < n; ++i) {
            uint16_t b;
            std::memcpy(&b, t.bytes.data() + 2 * i, 2);
            v[i] = bf16_to_f32(b);
        }
    } else {
        fail(t, "expected BF16 or F32, found " + std::string(dtype_name(t.dtype())));
    }
    return v;
}

}  // namespace fathom
