// Whole-tensor decoding of the checkpoint's storage formats to fp32: FP8 e4m3 with 128x128 e8m0 block
// scales, packed FP4 e2m1 (low nibble = even column) with e8m0 scales per 32 inputs, bf16 and f32.
#pragma once

#include "model/checkpoint.hpp"

#include <vector>

namespace fathom {

// weight [out, in] F8_E4M3 + scale [ceil(out/128), ceil(in/128)] F8_E8M0.
std::vector<float> decode_fp8_weight(const TensorRef& weight, const TensorRef& scale);
// weight [out, in/2] I8 + scale [out, in/32] F8_E8M0; returns [out, in].
std::vector<float> decode_fp4_weight(const TensorRef& weight, const TensorRef& scale);
// BF16, F32 (and F16 is rejected): returns the values as fp32.
std::vector<float> decode_float_tensor(const TensorRef& t);

}  // namespace fathom
