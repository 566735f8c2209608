// Row-wise GPU kernels of the V4 forward pass that move no weights: RMSNorm, RoPE (and its inverse), the model's
// FP8 and FP4 round trips and the Hadamard rotation. Each matches its cpu/ twin (tested against it).
#pragma once

#include "cuda/current_stream.cuh"

#include <cstdint>
#include <cuda_runtime.h>

namespace fathom::cuda {

// x [rows, n] in place; weight [n] or nullptr.
void rms_norm_rows(float* x, const float* weight, int64_t rows, int64_t n, float eps, cudaStream_t s = current_stream());
// FP8 round trip of the first `n_rounded` values of each row (stride `row_stride`) in blocks of `block`.
void fp8_round_rows(float* x, int64_t rows, int64_t row_stride, int64_t n_rounded, int64_t block, cudaStream_t s = current_stream());
// dst [rows, n] = src with every value FP8 round-tripped in blocks of `block` (one launch instead of copy + round).
void fp8_round_copy_rows(float* dst, const float* src, int64_t rows, int64_t n, int64_t block, cudaStream_t s = current_stream());
// Hadamard rotation then FP4 round trip (blocks of 32) of rows of n (a power of two, at most 1024).
void hadamard_fp4_rows(float* x, int64_t rows, int64_t n, cudaStream_t s = current_stream());
// RoPE on the r dims at offset `rope_offset` of each head: rows of `heads` heads of `head_dim`, row t at
// position positions[t]; freqs [r/2] on the device.
void rope_rows(float* x, int64_t rows, int64_t heads, int64_t head_dim, int64_t rope_offset, int64_t r,
               const float* freqs, const int64_t* positions, bool inverse, cudaStream_t s = current_stream());

}  // namespace fathom::cuda

namespace fathom::cuda {
// x[i] *= factor for n values.
void scale(float* x, int64_t n, float factor, cudaStream_t s = current_stream());
// dst[r * dst_stride + c] = src[r * src_stride + c] for r < rows, c < width (floats). A kernel, not a 2D copy: a
// recorded decode step's 2D copies cannot have their addresses updated in place, its kernels can.
void copy_rows(float* dst, int64_t dst_stride, const float* src, int64_t src_stride, int64_t width, int64_t rows,
               cudaStream_t s = current_stream());
// out[i] = start + i * step for n positions, written on the device (no host upload: a recorded step may not make one).
void fill_positions(int64_t* out, int64_t start, int64_t step, int64_t n, cudaStream_t s = current_stream());
}  // namespace fathom::cuda
