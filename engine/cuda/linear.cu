#include "cuda/linear.cuh"
#include "cuda/device_buffer.hpp"
#include "cuda/weight_decode.cuh"

#include <cuda_fp8.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace fathom::cuda {

namespace {

constexpr int kMaxGemvTokens = 8;

// One warp per output row; each lane walks 16-byte chunks of the row, every decoded value feeding all T tokens.
// blockIdx.y picks a slice of `split_bytes` of every row (small matrices are split along K so the grid fills the
// GPU); slice s writes its partial sums to y + s * T * out, added in slice order by sum_splits_kernel.
template <int T>
__global__ void __launch_bounds__(512, 2) gemv_kernel(DeviceWeightView w, const float* __restrict__ x_global, float* __restrict__ y, int64_t split_bytes) {
    extern __shared__ float x[];
    const int64_t rb = row_bytes(w), per16 = values_per_16_bytes(w.format);
    const int64_t b0 = static_cast<int64_t>(blockIdx.y) * split_bytes, b1 = min(rb, b0 + split_bytes);
    const int64_t c0 = b0 * per16 / 16, cols = (b1 - b0) * per16 / 16;
    // The token rows' slice is read by every warp of the block: stage it in shared memory once.
#pragma unroll
    for (int t = 0; t < T; ++t)
        for (int64_t i = threadIdx.x; i < cols; i += blockDim.x) x[t * cols + i] = x_global[t * w.in + c0 + i];
    __syncthreads();
    const int lane = threadIdx.x & 31;
    const int64_t warps = blockDim.x / 32;
    float* out = y + static_cast<int64_t>(blockIdx.y) * T * w.out;
    // Blocks stay resident and their warps walk the rows: the slice of x is staged once per block, not once per
    // 16 rows, and the weight stream does not stop at every block boundary.
    for (int64_t o = static_cast<int64_t>(blockIdx.x) * warps + threadIdx.x / 32; o < w.out; o += static_cast<int64_t>(gridDim.x) * warps) {
        const int64_t stored = o + w.row0;
        const int64_t base = stored * rb;
        float acc[T];
#pragma unroll
        for (int t = 0; t < T; ++t) acc[t] = 0.0f;
        if constexpr (T == 1) {
#pragma unroll 4
            for (int64_t off = b0 + lane * 16; off < b1; off += 32 * 16) {
                const uint4 raw = *reinterpret_cast<const uint4*>(w.data + base + off);
                acc[0] += chunk_dot(w, stored, base + off, raw, x + ((off - b0) * per16) / 16);
            }
        } else {
            float vals[32];
#pragma unroll 2
            for (int64_t off = b0 + lane * 16; off < b1; off += 32 * 16) {
                float scale;
                const int n = decode_chunk(w, stored, base + off, vals, scale);
                const int64_t col = ((off - b0) * n) / 16;
#pragma unroll
                for (int t = 0; t < T; ++t) {
                    const float* xr = x + t * cols + col;
                    float s = 0.0f;
                    for (int k = 0; k < n; k += 4) {
                        const float4 xv = *reinterpret_cast<const float4*>(xr + k);
                        s += vals[k] * xv.x + vals[k + 1] * xv.y + vals[k + 2] * xv.z + vals[k + 3] * xv.w;
                    }
                    acc[t] += s * scale;
                }
            }
        }
#pragma unroll
        for (int t = 0; t < T; ++t) {
            float v = acc[t];
            for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
            if (lane == 0) out[t * w.out + o] = v;
        }
    }
}

// One warp per output: lane l adds slices l, l + 32, ..., then the lanes' sums meet in a fixed tree (deterministic).
__global__ void sum_splits_kernel(const float* partial, int64_t n, int64_t splits, float* y) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
    const int lane = threadIdx.x & 31;
    if (i >= n) return;
    float v = 0.0f;
    for (int64_t s = lane; s < splits; s += 32) v += partial[s * n + i];
    for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
    if (lane == 0) y[i] = v;
}

// 64 rows x 64 tokens per block, K in steps of 32, each of 256 threads computing a 4 x 4 patch.
constexpr int BM = 64, BN = 64, BK = 32;
__global__ void gemm_kernel(DeviceWeightView w, const float* __restrict__ x, int64_t T, float* __restrict__ y) {
    __shared__ float ws[BK][BM + 4];
    __shared__ float xs[BK][BN + 4];
    const int64_t row0 = static_cast<int64_t>(blockIdx.x) * BM, tok0 = static_cast<int64_t>(blockIdx.y) * BN;
    const int tr = threadIdx.x % 16, tt = threadIdx.x / 16;  // 16 x 16 threads, 4 x 4 outputs each
    float acc[4][4] = {};
    for (int64_t k0 = 0; k0 < w.in; k0 += BK) {
        for (int idx = threadIdx.x; idx < BM * BK; idx += blockDim.x) {
            const int r = idx / BK, k = idx % BK;
            const int64_t o = row0 + r, i = k0 + k;
            ws[k][r] = (o < w.out && i < w.in) ? weight_at(w, o, i) : 0.0f;
            const int64_t t = tok0 + r;
            xs[k][r] = (t < T && i < w.in) ? x[t * w.in + i] : 0.0f;
        }
        __syncthreads();
#pragma unroll 8
        for (int k = 0; k < BK; ++k) {
            float a[4], b[4];
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                a[j] = ws[k][tr * 4 + j];
                b[j] = xs[k][tt * 4 + j];
            }
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int64_t o = row0 + tr * 4 + i, t = tok0 + tt * 4 + j;
            if (o < w.out && t < T) y[t * w.out + o] = acc[i][j];
        }
}

int sm_count() {
    static const int count = [] {
        int device = 0, n = 0;
        if (cudaGetDevice(&device) != cudaSuccess || cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) return 132;
        return n;
    }();
    return count;
}

constexpr int kGemvRowsPerBlock = 16;
constexpr size_t kGemvMaxSmem = 200 * 1024;

template <int T>
void launch_gemv(const DeviceWeightView& w, const float* x, float* y, int64_t split_bytes, int64_t splits, cudaStream_t s) {
    // Two resident blocks per multiprocessor (the kernel's launch bounds), each walking its share of the rows;
    // FATHOM_GEMV_PERSISTENT=0 launches one block per 16 rows instead (the earlier grid, for comparison).
    static const bool persistent = [] {
        const char* v = std::getenv("FATHOM_GEMV_PERSISTENT");
        return !(v && std::string(v) == "0");
    }();
    const int64_t row_blocks = (w.out + kGemvRowsPerBlock - 1) / kGemvRowsPerBlock;
    const unsigned blocks = static_cast<unsigned>(persistent ? std::min<int64_t>(row_blocks, 2 * sm_count()) : row_blocks);
    const size_t smem = static_cast<size_t>(T * split_bytes * values_per_16_bytes(w.format) / 16) * sizeof(float);
    static bool raised = false;
    if (smem > 48 * 1024 && !raised) {
        FATHOM_CUDA_CHECK(cudaFuncSetAttribute(gemv_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(kGemvMaxSmem)));
        raised = true;
    }
    if (smem > kGemvMaxSmem) throw Error("GPU GEMV: " + std::to_string(T) + " token rows of " + std::to_string(w.in) + " exceed shared memory");
    gemv_kernel<T><<<dim3(blocks, static_cast<unsigned>(splits)), kGemvRowsPerBlock * 32, smem, s>>>(w, x, y, split_bytes);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void gemv(const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t s) {
    const int64_t rb = row_bytes(w), per16 = values_per_16_bytes(w.format);
    if (rb % 16 != 0 || w.in % 4 != 0)
        throw Error("GPU GEMV needs rows of a multiple of 16 bytes (in = " + std::to_string(w.in) + ")");
    // Too few row blocks to fill the GPU twice over: split the rows along K in slices of whole warp sweeps.
    const int64_t row_blocks = (w.out + kGemvRowsPerBlock - 1) / kGemvRowsPerBlock, target = 2 * sm_count();
    int64_t splits = row_blocks >= target ? 1 : std::min<int64_t>((target + row_blocks - 1) / row_blocks, std::max<int64_t>(1, rb / 512));
    // The staged slice of x must fit shared memory for at least one token row.
    splits = std::max<int64_t>(splits, (rb * per16 / 16 * 4 + kGemvMaxSmem - 1) / kGemvMaxSmem);
    const int64_t split_bytes = ((rb + splits - 1) / splits + 511) / 512 * 512;
    splits = (rb + split_bytes - 1) / split_bytes;
    const int64_t split_cols = split_bytes * per16 / 16;
    const int64_t per_launch = std::max<int64_t>(1, std::min<int64_t>(kMaxGemvTokens, static_cast<int64_t>(kGemvMaxSmem) / (split_cols * 4)));
    DeviceBuffer partial;
    if (splits > 1) partial = DeviceBuffer(static_cast<size_t>(splits * std::min(per_launch, T) * w.out) * 4);
    for (int64_t t0 = 0; t0 < T; t0 += per_launch) {
        const int64_t n = std::min<int64_t>(per_launch, T - t0);
        const float* xt = x + t0 * w.in;
        float* yt = y + t0 * w.out;
        float* dst = splits > 1 ? partial.as<float>() : yt;
        switch (n) {
            case 1: launch_gemv<1>(w, xt, dst, split_bytes, splits, s); break;
            case 2: launch_gemv<2>(w, xt, dst, split_bytes, splits, s); break;
            case 3: launch_gemv<3>(w, xt, dst, split_bytes, splits, s); break;
            case 4: launch_gemv<4>(w, xt, dst, split_bytes, splits, s); break;
            case 5: launch_gemv<5>(w, xt, dst, split_bytes, splits, s); break;
            case 6: launch_gemv<6>(w, xt, dst, split_bytes, splits, s); break;
            case 7: launch_gemv<7>(w, xt, dst, split_bytes, splits, s); break;
            default: launch_gemv<8>(w, xt, dst, split_bytes, splits, s); break;
        }
        if (splits > 1) {
            sum_splits_kernel<<<static_cast<unsigned>((n * w.out + 7) / 8), 256, 0, s>>>(partial.as<float>(), n * w.out, splits, yt);
            FATHOM_CUDA_CHECK_LAUNCH();
        }
    }
}

void gemm(const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t s) {
    const dim3 grid(static_cast<unsigned>((w.out + BM - 1) / BM), static_cast<unsigned>((T + BN - 1) / BN));
    gemm_kernel<<<grid, 256, 0, s>>>(w, x, T, y);
    FATHOM_CUDA_CHECK_LAUNCH();
}

}  // namespace

void linear_path(LinearPath path, const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t stream,
                 LinearInput input, bool allow_fp8) {
    if (T <= 0 || w.out == 0) return;
    switch (path) {
        case LinearPath::Gemv: gemv(w, x, T, y, stream); return;
        case LinearPath::TiledGemm: gemm(w, x, T, y, stream); return;
        case LinearPath::TensorCores: tensor_core_linear(tensor_core_path(w, input, allow_fp8), w, x, T, y, input, stream); return;
    }
}

GemmMode gemm_mode() {
    static const GemmMode mode = [] {
        const char* v = std::getenv("FATHOM_GPU_GEMM");
        const std::string s = v ? v : "";
        if (s == "cuda-cores") return GemmMode::CudaCores;
        if (s == "fp8") return GemmMode::Fp8;
        return GemmMode::Exact;
    }();
    return mode;
}

void linear(const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t stream, LinearInput input) {
    if (T <= 2 * kMaxGemvTokens) return linear_path(LinearPath::Gemv, w, x, T, y, stream, input);
    const GemmMode mode = gemm_mode();
    if (mode != GemmMode::CudaCores && tensor_core_path(w, input, mode == GemmMode::Fp8) != TensorCorePath::None)
        return linear_path(LinearPath::TensorCores, w, x, T, y, stream, input, mode == GemmMode::Fp8);
    linear_path(LinearPath::TiledGemm, w, x, T, y, stream, input);
}

}  // namespace fathom::cuda
