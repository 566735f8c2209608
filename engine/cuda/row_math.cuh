// Device helpers shared by the row kernels (pointwise.cu) and the fused one-token compressor step: the model's FP8
// and FP4 element round trips, the RoPE pair rotation and a block sum. One definition, so fused and separate agree bit for bit.
#pragma once

#include "cuda/block_scale.cuh"

namespace fathom::cuda::row_math {

__device__ __forceinline__ float round_fp8(float v) {
    const float a = fabsf(v);
    if (a == 0.0f) return v;
    int e;
    frexpf(a, &e);
    int q = (e - 1) - 3;
    if (q < -9) q = -9;
    return copysignf(ldexpf(rintf(ldexpf(a, -q)), q), v);
}

__device__ __forceinline__ float round_fp4(float v) {
    const float a = fabsf(v);
    const float step = a < 2.0f ? 0.5f : (a < 4.0f ? 1.0f : 2.0f);
    return copysignf(rintf(a / step) * step, v);
}

// The FP8 round trip of one value of a block whose scale is `scale`.
__device__ __forceinline__ float fp8_round_scaled(float v, float scale) {
    return round_fp8(fminf(fmaxf(v / scale, -448.0f), 448.0f)) * scale;
}

// FP4 of one value of a block of 32 whose largest magnitude is amax.
__device__ __forceinline__ float fp4_round_in_block(float v, float amax) {
    const float scale = pow2_ceil(fmaxf(amax, 6.0f * ldexpf(1.0f, -126)) / 6.0f);
    return round_fp4(fminf(fmaxf(v / scale, -6.0f), 6.0f)) * scale;
}

// Rotates the pair p[0], p[1] by pos * freq (backwards when inverse).
__device__ __forceinline__ void rope_pair(float* p, float pos, float freq, bool inverse) {
    const float angle = pos * freq;
    float s, c;
    sincosf(angle, &s, &c);
    if (inverse) s = -s;
    const float a = p[0], b = p[1];
    p[0] = a * c - b * s;
    p[1] = a * s + b * c;
}

// Sum over the block through shared scratch[32]; every thread gets it.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < (blockDim.x + 31) / 32 ? scratch[lane] : 0.0f;
    if (warp == 0)
        for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
    if (threadIdx.x == 0) scratch[0] = v;
    __syncthreads();
    v = scratch[0];
    __syncthreads();
    return v;
}

__device__ __forceinline__ float warp_max_abs(float v) {
    float m = fabsf(v);
    for (int d = 16; d > 0; d >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, d));
    return m;
}

}  // namespace fathom::cuda::row_math
