// GPU matrix products y[T, out] = x[T, in] . W^T with W decoded from its stored format on the fly and fp32
// accumulation; a warp-per-row GEMV for decode-sized T and a shared-memory tiled GEMM for prefill.
#pragma once

#include "cuda/device_weight.hpp"

#include <cuda_runtime.h>

namespace fathom::cuda {

// x, y: device pointers. Throws fathom::Error on unsupported shapes or CUDA errors.
void linear(const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t stream = nullptr);

// Which path linear() takes for T token rows (exposed so tests cover both).
enum class LinearPath { Gemv, TiledGemm };
void linear_path(LinearPath path, const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t stream = nullptr);

}  // namespace fathom::cuda
