// The power-of-two block scales of the model's roundings on the device: one definition for the FP8 round trip
// (pointwise.cu) and the FP8 quantisation that feeds the tensor cores (tensor_core_linear.cu), so the two agree.
#pragma once

namespace fathom::cuda {

// 2^ceil(log2(v)) for v > 0, exactly.
__device__ __forceinline__ float pow2_ceil(float v) {
    int e;
    const float m = frexpf(v, &e);
    return m == 0.5f ? ldexpf(1.0f, e - 1) : ldexpf(1.0f, e);
}

// The FP8 scale of a block (activations, KV) whose largest magnitude is amax: 2^ceil(log2(max(amax, 1e-4) / 448)).
__device__ __forceinline__ float fp8_block_scale(float amax) { return pow2_ceil(fmaxf(amax, 1e-4f) / 448.0f); }

}  // namespace fathom::cuda
