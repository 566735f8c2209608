#include "cuda/linear.cuh"

#include <cstdint>

namespace fathom::cuda {

namespace {

constexpr int kMaxGemvTokens = 8;

__device__ __forceinline__ float e8m0(uint8_t b) { return b == 0 ? 5.877471754e-39f : __uint_as_float(static_cast<uint32_t>(b) << 23); }

// Decoding by building the fp32 bit pattern: a table in local memory or ldexpf costs more than the bytes' load.
__device__ __forceinline__ float fp8_e4m3(uint32_t b) {
    const uint32_t e = (b >> 3) & 0xf, m = b & 7;
    const float normal = __uint_as_float(((e + 120u) << 23) | (m << 20));
    const float v = e == 0 ? static_cast<float>(m) * 0.001953125f : normal;  // subnormal: m * 2^-9
    return (b & 0x80) ? -v : v;
}

__device__ __forceinline__ float fp4_e2m1(uint32_t code) {
    const uint32_t e = (code >> 1) & 3, m = code & 1;
    const uint32_t bits = e ? (((e + 126u) << 23) | (m << 22)) : (m ? 0x3f000000u : 0u);  // e == 0: 0 or 0.5
    return __uint_as_float(bits | ((code & 8u) << 28));
}

// Element (o, i) of the weight, o counted from the view's first row.
__device__ __forceinline__ float weight_at(const DeviceWeightView& w, int64_t o, int64_t i) {
    o += w.row0;
    switch (w.format) {
        case cpu::WeightFormat::Fp8Block128:
            return fp8_e4m3(w.data[o * w.in + i]) * e8m0(w.scale[(o / 128) * w.scale_cols + i / 128]);
        case cpu::WeightFormat::Fp4Group32: {
            const uint8_t b = w.data[o * (w.in / 2) + i / 2];
            return fp4_e2m1((i & 1) ? (b >> 4) : (b & 0xf)) * e8m0(w.scale[o * w.scale_cols + i / 32]);
        }
        case cpu::WeightFormat::Bf16: {
            const uint16_t h = reinterpret_cast<const uint16_t*>(w.data)[o * w.in + i];
            return __uint_as_float(static_cast<uint32_t>(h) << 16);
        }
        case cpu::WeightFormat::F32: return reinterpret_cast<const float*>(w.data)[o * w.in + i];
    }
    return 0.0f;
}

// 16 stored bytes of row o starting at byte `byte` decoded into vals; returns how many values (16, 32, 8, 4).
__device__ __forceinline__ int decode_chunk(const DeviceWeightView& w, int64_t o, int64_t byte, float* vals) {
    const uint4 raw = *reinterpret_cast<const uint4*>(w.data + byte);
    const uint8_t* b = reinterpret_cast<const uint8_t*>(&raw);
    switch (w.format) {
        case cpu::WeightFormat::Fp8Block128: {
            const int64_t col = byte - o * w.in;
            const float s = e8m0(w.scale[(o / 128) * w.scale_cols + col / 128]);
#pragma unroll
            for (int k = 0; k < 16; ++k) vals[k] = fp8_e4m3(b[k]) * s;
            return 16;
        }
        case cpu::WeightFormat::Fp4Group32: {
            const int64_t col = 2 * (byte - o * (w.in / 2));
            const float s = e8m0(w.scale[o * w.scale_cols + col / 32]);
#pragma unroll
            for (int k = 0; k < 16; ++k) {
                vals[2 * k] = fp4_e2m1(b[k] & 0xf) * s;
                vals[2 * k + 1] = fp4_e2m1(b[k] >> 4) * s;
            }
            return 32;
        }
        case cpu::WeightFormat::Bf16: {
            const uint16_t* h = reinterpret_cast<const uint16_t*>(b);
#pragma unroll
            for (int k = 0; k < 8; ++k) vals[k] = __uint_as_float(static_cast<uint32_t>(h[k]) << 16);
            return 8;
        }
        case cpu::WeightFormat::F32: {
            const float* f = reinterpret_cast<const float*>(b);
#pragma unroll
            for (int k = 0; k < 4; ++k) vals[k] = f[k];
            return 4;
        }
    }
    return 0;
}

__host__ __device__ inline int64_t row_bytes(const DeviceWeightView& w) {
    switch (w.format) {
        case cpu::WeightFormat::Fp8Block128: return w.in;
        case cpu::WeightFormat::Fp4Group32: return w.in / 2;
        case cpu::WeightFormat::Bf16: return w.in * 2;
        case cpu::WeightFormat::F32: return w.in * 4;
    }
    return 0;
}

// One warp per output row; each lane walks 16-byte chunks of the row, every decoded value feeding all T tokens.
template <int T>
__global__ void gemv_kernel(DeviceWeightView w, const float* __restrict__ x_global, float* __restrict__ y) {
    // The token rows are read by every warp of the block: stage them in shared memory once.
    extern __shared__ float x[];
    for (int64_t i = threadIdx.x; i < T * w.in; i += blockDim.x) x[i] = x_global[i];
    __syncthreads();
    const int lane = threadIdx.x & 31;
    const int64_t o = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
    if (o >= w.out) return;
    const int64_t rb = row_bytes(w);
    const int64_t stored = o + w.row0;
    const int64_t base = stored * rb;
    float acc[T];
#pragma unroll
    for (int t = 0; t < T; ++t) acc[t] = 0.0f;
    float vals[32];
#pragma unroll 2
    for (int64_t off = lane * 16; off < rb; off += 32 * 16) {
        const int n = decode_chunk(w, stored, base + off, vals);
        const int64_t col = (off * n) / 16;
#pragma unroll
        for (int t = 0; t < T; ++t) {
            const float* xr = x + t * w.in + col;
            float s = 0.0f;
            for (int k = 0; k < n; k += 4) {
                const float4 xv = *reinterpret_cast<const float4*>(xr + k);
                s += vals[k] * xv.x + vals[k + 1] * xv.y + vals[k + 2] * xv.z + vals[k + 3] * xv.w;
            }
            acc[t] += s;
        }
    }
#pragma unroll
    for (int t = 0; t < T; ++t) {
        float v = acc[t];
        for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
        if (lane == 0) y[t * w.out + o] = v;
    }
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

template <int T>
void launch_gemv(const DeviceWeightView& w, const float* x, float* y, cudaStream_t s) {
    constexpr int rows_per_block = 16;
    const unsigned blocks = static_cast<unsigned>((w.out + rows_per_block - 1) / rows_per_block);
    const size_t smem = static_cast<size_t>(T * w.in) * sizeof(float);
    static bool raised = false;
    if (smem > 48 * 1024 && !raised) {
        FATHOM_CUDA_CHECK(cudaFuncSetAttribute(gemv_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, 200 * 1024));
        raised = true;
    }
    if (smem > 200 * 1024) throw Error("GPU GEMV: " + std::to_string(T) + " token rows of " + std::to_string(w.in) + " exceed shared memory");
    gemv_kernel<T><<<blocks, rows_per_block * 32, smem, s>>>(w, x, y);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void gemv(const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t s) {
    if (row_bytes(w) % 16 != 0 || w.in % 4 != 0)
        throw Error("GPU GEMV needs rows of a multiple of 16 bytes (in = " + std::to_string(w.in) + ")");
    const int64_t per_launch = std::max<int64_t>(1, std::min<int64_t>(kMaxGemvTokens, (200 * 1024) / (w.in * 4)));
    if (w.in * 4 > 200 * 1024) throw Error("GPU GEMV: rows of " + std::to_string(w.in) + " inputs exceed shared memory");
    for (int64_t t0 = 0; t0 < T; t0 += per_launch) {
        const int64_t n = std::min<int64_t>(per_launch, T - t0);
        const float* xt = x + t0 * w.in;
        float* yt = y + t0 * w.out;
        switch (n) {
            case 1: launch_gemv<1>(w, xt, yt, s); break;
            case 2: launch_gemv<2>(w, xt, yt, s); break;
            case 3: launch_gemv<3>(w, xt, yt, s); break;
            case 4: launch_gemv<4>(w, xt, yt, s); break;
            case 5: launch_gemv<5>(w, xt, yt, s); break;
            case 6: launch_gemv<6>(w, xt, yt, s); break;
            case 7: launch_gemv<7>(w, xt, yt, s); break;
            default: launch_gemv<8>(w, xt, yt, s); break;
        }
    }
}

void gemm(const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t s) {
    const dim3 grid(static_cast<unsigned>((w.out + BM - 1) / BM), static_cast<unsigned>((T + BN - 1) / BN));
    gemm_kernel<<<grid, 256, 0, s>>>(w, x, T, y);
    FATHOM_CUDA_CHECK_LAUNCH();
}

}  // namespace

void linear_path(LinearPath path, const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t stream) {
    if (T <= 0 || w.out == 0) return;
    if (path == LinearPath::Gemv) gemv(w, x, T, y, stream);
    else gemm(w, x, T, y, stream);
}

void linear(const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t stream) {
    linear_path(T <= 2 * kMaxGemvTokens ? LinearPath::Gemv : LinearPath::TiledGemm, w, x, T, y, stream);
}

}  // namespace fathom::cuda
