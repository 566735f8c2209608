#include "cuda/tensor_core_linear.cuh"

#include "cuda/block_scale.cuh"
#include "cuda/cuda_error.hpp"
#include "cuda/lt_matmul.cuh"
#include "cuda/weight_decode.cuh"

#include <cuda_bf16.h>
#include <cstdint>
#include <cuda_fp8.h>

namespace fathom::cuda {

namespace {

// Token rows are padded to a multiple of 16 so every operand and scale vector is 16-byte aligned for cuBLASLt.
int64_t padded_rows(int64_t T) { return (T + 15) / 16 * 16; }
// cuBLASLt's heuristic assumes 256-byte aligned operands unless told otherwise; pool allocations are, views into
// a buffer may not be: those go through an aligned copy.
bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % 256 == 0; }
unsigned blocks_for(int64_t n, int threads) { return static_cast<unsigned>((n + threads - 1) / threads); }

// W [out, in] decoded to bf16, one 16-byte stored chunk per thread. Every FP8, FP4 and bf16 weight value (code
// times its power-of-two scale) is a bf16 exactly.
__global__ void decode_to_bf16_kernel(DeviceWeightView w, __nv_bfloat16* out) {
    const int64_t rb = row_bytes(w), chunks = rb / 16;
    const int64_t item = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (item >= w.out * chunks) return;
    const int64_t o = item / chunks, c = item % chunks, stored = o + w.row0;
    float vals[32], scale;
    const int n = decode_chunk(w, stored, stored * rb + c * 16, vals, scale);
    __nv_bfloat16* dst = out + o * w.in + c * n;
    for (int k = 0; k < n; k += 8) {
        __align__(16) __nv_bfloat16 v[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) v[j] = __float2bfloat16_rn(vals[k + j] * scale);
        *reinterpret_cast<uint4*>(dst + k) = *reinterpret_cast<const uint4*>(v);
    }
}

// x [T, in] fp32 -> `terms` bf16 slabs [rows, in] whose sum is x (1 term: x is already a bf16; 3 terms: hi, mid, lo
// split off in turn, each remainder exact in fp32). Rows T..rows-1 are zero.
__global__ void split_to_bf16_kernel(const float* x, int64_t T, int64_t rows, int64_t in, int terms, __nv_bfloat16* out) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= rows * in) return;
    float r = i / in < T ? x[i] : 0.0f;
    for (int k = 0; k < terms; ++k) {
        const __nv_bfloat16 part = __float2bfloat16_rn(r);
        out[k * rows * in + i] = part;
        r -= __bfloat162float(part);
    }
}

// y [T, n] = sum of `terms` slabs of d [terms][rows, n], the largest first.
__global__ void sum_terms_kernel(const float* d, int64_t T, int64_t rows, int64_t n, int terms, float* y) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= T * n) return;
    float s = d[i];
    for (int k = 1; k < terms; ++k) s += d[k * rows * n + i];
    y[i] = s;
}


// The model's activation FP8 quantization per (row, 128 inputs), one warp each: codes q [rows, in] and scales
// [in/128][rows] (row index fastest, as cuBLASLt reads them). For an input that is already FP8-rounded the codes
// times the scales give back exactly the input. Padded rows get zero codes and scale 1.
__global__ void quantize_fp8_kernel(const float* x, int64_t T, int64_t rows, int64_t in, __nv_fp8_e4m3* q, float* scales) {
    const int64_t item = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int64_t blocks = in / 128;
    if (item >= rows * blocks) return;
    const int64_t t = item / blocks, b = item % blocks;
    const float4 v = t < T ? *reinterpret_cast<const float4*>(x + t * in + b * 128 + lane * 4) : make_float4(0, 0, 0, 0);
    float amax = fmaxf(fmaxf(fabsf(v.x), fabsf(v.y)), fmaxf(fabsf(v.z), fabsf(v.w)));
    for (int d = 16; d > 0; d >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, d));
    const float scale = t < T ? fp8_block_scale(amax) : 1.0f;
    __nv_fp8_e4m3* dst = q + t * in + b * 128 + lane * 4;
    const float vals[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int k = 0; k < 4; ++k) dst[k] = __nv_fp8_e4m3(fminf(fmaxf(vals[k] / scale, -448.0f), 448.0f));
    if (lane == 0) scales[b * rows + t] = scale;
}

// The weight's e8m0 block scales (from the view's first row, a multiple of 128) as fp32 [ceil(out/128)][ld].
__global__ void weight_scales_kernel(DeviceWeightView w, int64_t ld, float* out) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x, row_blocks = (w.out + 127) / 128;
    if (i >= row_blocks * ld) return;
    const int64_t ob = i / ld, kb = i % ld;
    out[i] = kb < w.scale_cols ? e8m0(w.scale[(w.row0 / 128 + ob) * w.scale_cols + kb]) : 1.0f;
}

void fp8_block_scaled(const DeviceWeightView& w, const float* x, int64_t T, float* y, cudaStream_t s) {
    const int64_t rows = padded_rows(T), in = w.in, kb = in / 128, ld = (kb + 3) / 4 * 4;
    DeviceBuffer q(static_cast<size_t>(rows * in)), xs(static_cast<size_t>(kb * rows) * 4);
    DeviceBuffer ws(static_cast<size_t>((w.out + 127) / 128 * ld) * 4);
    quantize_fp8_kernel<<<blocks_for(rows * kb, 8), 256, 0, s>>>(x, T, rows, in, q.as<__nv_fp8_e4m3>(), xs.as<float>());
    FATHOM_CUDA_CHECK_LAUNCH();
    weight_scales_kernel<<<blocks_for((w.out + 127) / 128 * ld, 256), 256, 0, s>>>(w, ld, ws.as<float>());
    FATHOM_CUDA_CHECK_LAUNCH();
    DeviceBuffer padded;
    float* d = y;
    if (rows != T || !aligned(y)) {
        padded = DeviceBuffer(static_cast<size_t>(rows * w.out) * 4);
        d = padded.as<float>();
    }
    LtProduct p;
    p.inputs = LtInputs::Fp8BlockScaled;
    p.a = w.data + w.row0 * in;
    p.b = q.as<void>();
    p.a_scale = ws.as<float>();
    p.b_scale = xs.as<float>();
    p.n = w.out;
    p.k = in;
    p.m = rows;
    p.d = d;
    lt_matmul(p, s);
    if (d != y) FATHOM_CUDA_CHECK(cudaMemcpyAsync(y, d, static_cast<size_t>(T * w.out) * 4, cudaMemcpyDeviceToDevice, s));
}

void bf16_exact(const DeviceWeightView& w, const float* x, int64_t T, float* y, LinearInput input, cudaStream_t s) {
    const int64_t rows = padded_rows(T), in = w.in;
    const int terms = input == LinearInput::Fp8Rounded ? 1 : 3;
    DeviceBuffer wb(static_cast<size_t>(w.out * in) * 2), xb(static_cast<size_t>(terms * rows * in) * 2);
    decode_to_bf16_kernel<<<blocks_for(w.out * (row_bytes(w) / 16), 256), 256, 0, s>>>(w, wb.as<__nv_bfloat16>());
    FATHOM_CUDA_CHECK_LAUNCH();
    split_to_bf16_kernel<<<blocks_for(rows * in, 256), 256, 0, s>>>(x, T, rows, in, terms, xb.as<__nv_bfloat16>());
    FATHOM_CUDA_CHECK_LAUNCH();
    DeviceBuffer scratch;
    float* d = y;
    if (terms > 1 || rows != T || !aligned(y)) {
        scratch = DeviceBuffer(static_cast<size_t>(terms * rows * w.out) * 4);
        d = scratch.as<float>();
    }
    LtProduct p;
    p.inputs = LtInputs::Bf16;
    p.a = wb.as<void>();
    p.b = xb.as<void>();
    p.n = w.out;
    p.k = in;
    p.m = terms * rows;
    p.d = d;
    lt_matmul(p, s);
    if (d != y) {
        sum_terms_kernel<<<blocks_for(T * w.out, 256), 256, 0, s>>>(d, T, rows, w.out, terms, y);
        FATHOM_CUDA_CHECK_LAUNCH();
    }
}

}  // namespace

TensorCorePath tensor_core_path(const DeviceWeightView& w, LinearInput input, bool allow_fp8) {
    if (w.out % 4 != 0 || w.in % 8 != 0 || row_bytes(w) % 16 != 0) return TensorCorePath::None;
    switch (w.format) {
        case cpu::WeightFormat::Fp8Block128:
            // Scale rows of the weight view must start at a 128-row boundary.
            if (allow_fp8 && input == LinearInput::Fp8Rounded && w.in % 128 == 0 && w.row0 % 128 == 0 && aligned(w.data + w.row0 * w.in))
                return TensorCorePath::Fp8BlockScaled;
            return TensorCorePath::Bf16Exact;
        case cpu::WeightFormat::Fp4Group32:
        case cpu::WeightFormat::Bf16: return TensorCorePath::Bf16Exact;
        case cpu::WeightFormat::F32: return TensorCorePath::Fp32;  // not exact in bf16
    }
    return TensorCorePath::None;
}

void tensor_core_linear(TensorCorePath path, const DeviceWeightView& w, const float* x, int64_t T, float* y, LinearInput input,
                        cudaStream_t stream) {
    if (T <= 0 || w.out == 0) return;
    switch (path) {
        case TensorCorePath::Fp8BlockScaled: fp8_block_scaled(w, x, T, y, stream); return;
        case TensorCorePath::Bf16Exact: bf16_exact(w, x, T, y, input, stream); return;
        case TensorCorePath::Fp32: {
            const auto* a = reinterpret_cast<const float*>(w.data) + w.row0 * w.in;
            const size_t a_bytes = static_cast<size_t>(w.out * w.in) * 4, x_bytes = static_cast<size_t>(T * w.in) * 4;
            DeviceBuffer a_copy, x_copy, d_copy;
            if (!aligned(a)) {
                a_copy = DeviceBuffer(a_bytes);
                FATHOM_CUDA_CHECK(cudaMemcpyAsync(a_copy.as<float>(), a, a_bytes, cudaMemcpyDeviceToDevice, stream));
            }
            if (!aligned(x)) {
                x_copy = DeviceBuffer(x_bytes);
                FATHOM_CUDA_CHECK(cudaMemcpyAsync(x_copy.as<float>(), x, x_bytes, cudaMemcpyDeviceToDevice, stream));
            }
            if (!aligned(y)) d_copy = DeviceBuffer(static_cast<size_t>(T * w.out) * 4);
            LtProduct p;
            p.inputs = LtInputs::F32;
            p.a = a_copy.bytes() ? a_copy.as<float>() : a;
            p.b = x_copy.bytes() ? x_copy.as<float>() : x;
            p.n = w.out;
            p.k = w.in;
            p.m = T;
            p.d = d_copy.bytes() ? d_copy.as<float>() : y;
            lt_matmul(p, stream);
            if (d_copy.bytes()) FATHOM_CUDA_CHECK(cudaMemcpyAsync(y, d_copy.as<float>(), d_copy.bytes(), cudaMemcpyDeviceToDevice, stream));
            return;
        }
        case TensorCorePath::None: break;
    }
    throw Error("tensor_core_linear: no tensor-core path for this weight");
}

}  // namespace fathom::cuda
