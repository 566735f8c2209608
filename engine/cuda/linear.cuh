// GPU matrix products y[T, out] = x[T, in] . W^T with W decoded from its stored format on the fly and fp32
// accumulation; a warp-per-row GEMV for decode-sized T and a shared-memory tiled GEMM for prefill.
#pragma once

#include "cuda/current_stream.cuh"
#include "cuda/device_weight.hpp"
#include "cuda/tensor_core_linear.cuh"

#include <cuda_runtime.h>

namespace fathom::cuda {

// How prefill-sized products run, from FATHOM_GPU_GEMM: "exact" (default; tensor cores with exact operands, the
// fp32 model's values), "fp8" (also block-scaled FP8 for FP8 weights: the faster numerics mode) or "cuda-cores"
// (the first tiled GEMM, for comparison).
enum class GemmMode { Exact, Fp8, CudaCores };
GemmMode gemm_mode();

// x, y: device pointers. Decode-sized T runs the GEMV; larger T the tensor cores where tensor_core_path allows
// under gemm_mode(), else the CUDA-core tiled GEMM.
// Throws fathom::Error on unsupported shapes or CUDA errors.
void linear(const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t stream = current_stream(),
            LinearInput input = LinearInput::Plain);

// Which path linear() takes for T token rows (exposed so tests cover each).
enum class LinearPath { Gemv, TiledGemm, TensorCores };
void linear_path(LinearPath path, const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t stream = current_stream(),
                 LinearInput input = LinearInput::Plain, bool allow_fp8 = false);

}  // namespace fathom::cuda
