// Many routed experts' token batches in one tensor-core launch: FP4 weights are decoded into bf16 tiles in shared
// memory and meet bf16 activations in WMMA products with fp32 sums. Exact products: FP4 times a power-of-two scale
// and the FP8-rounded activations are both bf16 numbers, so only the order of the fp32 sums differs from the CPU.
#pragma once

#include "cuda/current_stream.cuh"
#include "cuda/device_weight.hpp"

#include <cuda_bf16.h>
#include <span>

namespace fathom::cuda {

struct ExpertProduct {
    DeviceWeightView w;   // FP4, [n, k]
    int64_t row_begin = 0;  // this expert's rows in the gathered activations and in the output
    int64_t rows = 0;
};

// y[row_begin + i, :] = x[row_begin + i, :] . w^T for every product (x bf16 [total, k], y fp32 [total, n]); every
// product has the same n and k.
void grouped_fp4_gemm(std::span<const ExpertProduct> products, const __nv_bfloat16* x, float* y, cudaStream_t s = current_stream());

// out [n, width] bf16 = x[rows[i]] for fp32 x whose values are bf16 numbers (the FP8-rounded activations); any other
// value is a bug upstream, so it is not checked here but by the test.
void gather_rows_bf16(const float* x, const int32_t* rows, int64_t n, int64_t width, __nv_bfloat16* out, cudaStream_t s = current_stream());
// out = bf16(x) for n values.
void to_bf16(const float* x, int64_t n, __nv_bfloat16* out, cudaStream_t s = current_stream());
// y[t] += sum over p in [offsets[t], offsets[t+1]) of in[positions[p]], in that order: every token's expert outputs
// added deterministically.
void add_gathered_rows(const float* in, const int32_t* offsets, const int32_t* positions, int64_t T, int64_t width, float* y,
                       cudaStream_t s = current_stream());

}  // namespace fathom::cuda
