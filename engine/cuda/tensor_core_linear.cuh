// Prefill-sized products y[T, out] = x . W^T on the tensor cores (cuBLASLt), keeping the fp32 model's values:
// FP8 weights with FP8-rounded inputs run as block-scaled FP8; everything else as bf16 with exact operands.
#pragma once

#include "cuda/device_weight.hpp"

#include <cuda_runtime.h>

namespace fathom::cuda {

// What the caller guarantees about x: Fp8Rounded means every row went through the model's activation FP8
// round trip (blocks of 128, power-of-two scales), so its values are FP8 codes times their block's scale.
enum class LinearInput { Plain, Fp8Rounded };

// Which tensor-core form a product takes.
enum class TensorCorePath {
    Fp8BlockScaled,  // e4m3 x e4m3, 128x128 weight scales, (token, 128) input scales
    Bf16Exact,       // weight decoded to bf16 (exact for FP8, FP4, bf16), input as one bf16 term when FP8-rounded
                     // (exact) or three (hi + mid + lo = the fp32 value) otherwise; fp32 accumulation
    Fp32,            // fp32 weights (hyper-connection fns): cuBLASLt's fp32 GEMM on the CUDA cores, no TF32
    None,            // shape or format these paths do not take (the caller takes its own CUDA-core GEMM)
};

// allow_fp8: FP8 weights with FP8-rounded inputs take the block-scaled FP8 form. Hopper's FP8 tensor cores add
// within each 128-input block at reduced precision (about 2e-4 relative error per product, measured), so this is
// the faster numerics mode, not the fp32 one; off, those products take the exact bf16 form.
TensorCorePath tensor_core_path(const DeviceWeightView& w, LinearInput input, bool allow_fp8);

// Runs the product on `path` (which must not be None). Errors (no cuBLASLt algorithm, CUDA) throw fathom::Error.
void tensor_core_linear(TensorCorePath path, const DeviceWeightView& w, const float* x, int64_t T, float* y, LinearInput input,
                        cudaStream_t stream);

}  // namespace fathom::cuda
