#include "cuda/block_scale.cuh"
#include "cuda/cuda_error.hpp"
#include "cuda/pointwise.cuh"
#include "cuda/row_math.cuh"

namespace fathom::cuda {

namespace {

using row_math::block_sum;

__global__ void rms_norm_kernel(float* x, const float* weight, int64_t n, float eps) {
    __shared__ float scratch[32];
    float* row = x + static_cast<int64_t>(blockIdx.x) * n;
    float ss = 0.0f;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) ss += row[i] * row[i];
    ss = block_sum(ss, scratch);
    const float r = rsqrtf(ss / static_cast<float>(n) + eps);
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) row[i] = weight ? row[i] * r * weight[i] : row[i] * r;
}


// One warp per (row, block): amax over the block, then the round trip.
// src may be dst (in place).
__global__ void fp8_round_kernel(const float* src, float* dst, int64_t row_stride, int64_t n, int64_t block, int64_t blocks_per_row,
                                 int64_t items) {
    const int64_t item = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int64_t row = item / blocks_per_row, b = item % blocks_per_row;
    if (item >= items) return;
    const float* p = src + row * row_stride + b * block;
    float* q = dst + row * row_stride + b * block;
    const int64_t len = min(block, n - b * block);
    float amax = 0.0f;
    for (int64_t i = lane; i < len; i += 32) amax = fmaxf(amax, fabsf(p[i]));
    for (int d = 16; d > 0; d >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, d));
    const float scale = fp8_block_scale(amax);
    for (int64_t i = lane; i < len; i += 32) q[i] = row_math::fp8_round_scaled(p[i], scale);
}

// One block of n threads per row: Walsh-Hadamard in shared memory, then FP4 round trip per 32 (one warp each).
__global__ void hadamard_fp4_kernel(float* x, int64_t n) {
    extern __shared__ float v[];
    float* row = x + static_cast<int64_t>(blockIdx.x) * n;
    const int i = threadIdx.x;
    v[i] = row[i];
    __syncthreads();
    for (int h = 1; h < n; h *= 2) {
        float mine = v[i], other = v[i ^ h];
        __syncthreads();
        v[i] = (i & h) ? other - mine : mine + other;
        __syncthreads();
    }
    float val = v[i] * (1.0f / sqrtf(static_cast<float>(n)));  // as the CPU twin: correctly rounded, not rsqrtf
    row[i] = row_math::fp4_round_in_block(val, row_math::warp_max_abs(val));
}

__global__ void rope_kernel(float* x, int64_t heads, int64_t head_dim, int64_t offset, int64_t r, const float* freqs,
                            const int64_t* positions, bool inverse) {
    const int64_t row = blockIdx.x;
    const float pos = static_cast<float>(positions[row]);
    for (int64_t k = threadIdx.x; k < heads * (r / 2); k += blockDim.x) {
        const int64_t h = k / (r / 2), i = k % (r / 2);
        float* p = x + (row * heads + h) * head_dim + offset + 2 * i;
        row_math::rope_pair(p, pos, freqs[i], inverse);
    }
}

}  // namespace

void rms_norm_rows(float* x, const float* weight, int64_t rows, int64_t n, float eps, cudaStream_t s) {
    if (rows <= 0) return;
    rms_norm_kernel<<<static_cast<unsigned>(rows), rows < 64 ? 1024 : 256, 0, s>>>(x, weight, n, eps);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void fp8_round_rows(float* x, int64_t rows, int64_t row_stride, int64_t n, int64_t block, cudaStream_t s) {
    if (rows <= 0 || n <= 0) return;
    const int64_t per_row = (n + block - 1) / block, items = rows * per_row;
    fp8_round_kernel<<<static_cast<unsigned>((items + 7) / 8), 256, 0, s>>>(x, x, row_stride, n, block, per_row, items);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void fp8_round_copy_rows(float* dst, const float* src, int64_t rows, int64_t n, int64_t block, cudaStream_t s) {
    if (rows <= 0 || n <= 0) return;
    const int64_t per_row = (n + block - 1) / block, items = rows * per_row;
    fp8_round_kernel<<<static_cast<unsigned>((items + 7) / 8), 256, 0, s>>>(src, dst, n, n, block, per_row, items);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void hadamard_fp4_rows(float* x, int64_t rows, int64_t n, cudaStream_t s) {
    if (rows <= 0) return;
    if (n < 32 || n > 1024 || (n & (n - 1)) != 0) throw Error("hadamard_fp4_rows: n must be a power of two in [32, 1024]");
    hadamard_fp4_kernel<<<static_cast<unsigned>(rows), static_cast<unsigned>(n), n * sizeof(float), s>>>(x, n);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void rope_rows(float* x, int64_t rows, int64_t heads, int64_t head_dim, int64_t offset, int64_t r, const float* freqs,
               const int64_t* positions, bool inverse, cudaStream_t s) {
    if (rows <= 0) return;
    rope_kernel<<<static_cast<unsigned>(rows), rows < 64 ? 512 : 128, 0, s>>>(x, heads, head_dim, offset, r, freqs, positions, inverse);
    FATHOM_CUDA_CHECK_LAUNCH();
}

}  // namespace fathom::cuda

namespace fathom::cuda {
namespace {
__global__ void scale_kernel(float* x, int64_t n, float f) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= f;
}
__global__ void fill_positions_kernel(int64_t* out, int64_t start, int64_t step, int64_t n) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) out[i] = start + i * step;
}
__global__ void copy_rows_kernel(float* dst, int64_t dst_stride, const float* src, int64_t src_stride, int64_t width, int64_t rows) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < width * rows) dst[(i / width) * dst_stride + i % width] = src[(i / width) * src_stride + i % width];
}
}  // namespace
void copy_rows(float* dst, int64_t dst_stride, const float* src, int64_t src_stride, int64_t width, int64_t rows, cudaStream_t s) {
    if (width <= 0 || rows <= 0) return;
    copy_rows_kernel<<<static_cast<unsigned>((width * rows + 255) / 256), 256, 0, s>>>(dst, dst_stride, src, src_stride, width, rows);
    FATHOM_CUDA_CHECK_LAUNCH();
}
void fill_positions(int64_t* out, int64_t start, int64_t step, int64_t n, cudaStream_t s) {
    if (n <= 0) return;
    fill_positions_kernel<<<static_cast<unsigned>((n + 255) / 256), 256, 0, s>>>(out, start, step, n);
    FATHOM_CUDA_CHECK_LAUNCH();
}
void scale(float* x, int64_t n, float factor, cudaStream_t s) {
    if (n <= 0) return;
    scale_kernel<<<static_cast<unsigned>((n + 255) / 256), 256, 0, s>>>(x, n, factor);
    FATHOM_CUDA_CHECK_LAUNCH();
}
}  // namespace fathom::cuda
