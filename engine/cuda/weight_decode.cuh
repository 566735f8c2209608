// Device-side decoding of the checkpoint's weight formats (FP8 e4m3 with e8m0 block scales, packed FP4 e2m1 with
// e8m0 group scales, bf16, fp32): shared by the CUDA-core GEMV/GEMM and the tensor-core path's dequantization.
#pragma once

#include "cuda/device_weight.hpp"

#include <cstdint>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

namespace fathom::cuda {

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

// Two e4m3 bytes (the first in the low byte) to floats through the hardware conversion (sm_89+), exactly.
__device__ __forceinline__ float2 e4m3x2_to_float2(uint16_t two) {
    const __half2_raw h = __nv_cvt_fp8x2_to_halfraw2(static_cast<__nv_fp8x2_storage_t>(two), __NV_E4M3);
    return __half22float2(*reinterpret_cast<const __half2*>(&h));
}

// Eight packed e2m1 values (one 32-bit word, stored order) as floats times 2^-6: each nibble is respread into an
// e4m3 byte (sign to bit 7, exponent and mantissa bits to bits 4..2), whose e4m3 value is the e2m1 value times
// 2^-6, subnormals included; the hardware conversion then does the rest.
__device__ __forceinline__ void fp4x8_to_float(uint32_t word, float* v) {
    const uint32_t lo = word & 0x0f0f0f0fu, hi = (word >> 4) & 0x0f0f0f0fu;
    const uint32_t e_lo = ((lo & 0x08080808u) << 4) | ((lo & 0x07070707u) << 2);
    const uint32_t e_hi = ((hi & 0x08080808u) << 4) | ((hi & 0x07070707u) << 2);
    // Interleave back to stored order: byte k's low nibble is value 2k, its high nibble 2k+1.
    const uint32_t p0 = __byte_perm(e_lo, e_hi, 0x5140), p1 = __byte_perm(e_lo, e_hi, 0x7362);
    const float2 a = e4m3x2_to_float2(static_cast<uint16_t>(p0 & 0xffffu)), b = e4m3x2_to_float2(static_cast<uint16_t>(p0 >> 16));
    const float2 c = e4m3x2_to_float2(static_cast<uint16_t>(p1 & 0xffffu)), d = e4m3x2_to_float2(static_cast<uint16_t>(p1 >> 16));
    v[0] = a.x;
    v[1] = a.y;
    v[2] = b.x;
    v[3] = b.y;
    v[4] = c.x;
    v[5] = c.y;
    v[6] = d.x;
    v[7] = d.y;
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

// 16 stored bytes of row o starting at byte `byte` decoded into vals, unscaled: the chunk's one block scale is
// returned in `scale` (an FP8 chunk lies in one 128-block, an FP4 chunk is exactly one 32-group), applied to the
// chunk's dot product (a power of two: the same value as scaling each weight). Returns how many values (16, 32, 8, 4).
// FP8 uses the hardware e4m3x2 -> f16x2 conversion, FP4 goes through fp4x8_to_float (64 joins the scale).
// decode_chunk on 16 bytes already loaded (raw), so callers can have several rows' loads in flight first.
__device__ __forceinline__ int decode_raw(const DeviceWeightView& w, int64_t o, int64_t byte, const uint4& raw, float* vals, float& scale) {
    const uint32_t words[4] = {raw.x, raw.y, raw.z, raw.w};
    switch (w.format) {
        case cpu::WeightFormat::Fp8Block128: {
            const int64_t col = byte - o * w.in;
            scale = e8m0(w.scale[(o / 128) * w.scale_cols + col / 128]);
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                const float2 lo = e4m3x2_to_float2(static_cast<uint16_t>(words[q] & 0xffffu));
                const float2 hi = e4m3x2_to_float2(static_cast<uint16_t>(words[q] >> 16));
                vals[4 * q] = lo.x;
                vals[4 * q + 1] = lo.y;
                vals[4 * q + 2] = hi.x;
                vals[4 * q + 3] = hi.y;
            }
            return 16;
        }
        case cpu::WeightFormat::Fp4Group32: {
            const int64_t col = 2 * (byte - o * (w.in / 2));
            scale = e8m0(w.scale[o * w.scale_cols + col / 32]) * 64.0f;
#pragma unroll
            for (int q = 0; q < 4; ++q) fp4x8_to_float(words[q], vals + 8 * q);
            return 32;
        }
        case cpu::WeightFormat::Bf16: {
            scale = 1.0f;
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                vals[2 * q] = __uint_as_float(words[q] << 16);
                vals[2 * q + 1] = __uint_as_float(words[q] & 0xffff0000u);
            }
            return 8;
        }
        case cpu::WeightFormat::F32: {
            scale = 1.0f;
#pragma unroll
            for (int k = 0; k < 4; ++k) vals[k] = __uint_as_float(words[k]);
            return 4;
        }
    }
    scale = 0.0f;
    return 0;
}

// The dot product of 16 stored bytes (already loaded) with the matching inputs xr (shared or global memory, 16-byte
// aligned), scale applied: decode_raw without holding the chunk's values, so one-token kernels keep few registers.
// Sums the values in stored order, like decode_raw's callers.
__device__ __forceinline__ float chunk_dot(const DeviceWeightView& w, int64_t o, int64_t byte, const uint4& raw, const float* xr) {
    const uint32_t words[4] = {raw.x, raw.y, raw.z, raw.w};
    float s = 0.0f, scale = 1.0f;
    switch (w.format) {
        case cpu::WeightFormat::Fp8Block128: {
            scale = e8m0(w.scale[(o / 128) * w.scale_cols + (byte - o * w.in) / 128]);
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                const float2 lo = e4m3x2_to_float2(static_cast<uint16_t>(words[q] & 0xffffu));
                const float2 hi = e4m3x2_to_float2(static_cast<uint16_t>(words[q] >> 16));
                const float4 xv = *reinterpret_cast<const float4*>(xr + 4 * q);
                s += lo.x * xv.x + lo.y * xv.y + hi.x * xv.z + hi.y * xv.w;
            }
            break;
        }
        case cpu::WeightFormat::Fp4Group32: {
            scale = e8m0(w.scale[o * w.scale_cols + 2 * (byte - o * (w.in / 2)) / 32]) * 64.0f;
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                float v[8];
                fp4x8_to_float(words[q], v);
                const float4 x0 = *reinterpret_cast<const float4*>(xr + 8 * q), x1 = *reinterpret_cast<const float4*>(xr + 8 * q + 4);
                s += v[0] * x0.x + v[1] * x0.y + v[2] * x0.z + v[3] * x0.w;
                s += v[4] * x1.x + v[5] * x1.y + v[6] * x1.z + v[7] * x1.w;
            }
            break;
        }
        case cpu::WeightFormat::Bf16: {
            const float4 x0 = *reinterpret_cast<const float4*>(xr), x1 = *reinterpret_cast<const float4*>(xr + 4);
            s = __uint_as_float(words[0] << 16) * x0.x + __uint_as_float(words[0] & 0xffff0000u) * x0.y +
                __uint_as_float(words[1] << 16) * x0.z + __uint_as_float(words[1] & 0xffff0000u) * x0.w;
            s += __uint_as_float(words[2] << 16) * x1.x + __uint_as_float(words[2] & 0xffff0000u) * x1.y +
                 __uint_as_float(words[3] << 16) * x1.z + __uint_as_float(words[3] & 0xffff0000u) * x1.w;
            break;
        }
        case cpu::WeightFormat::F32: {
            const float4 xv = *reinterpret_cast<const float4*>(xr);
            s = __uint_as_float(words[0]) * xv.x + __uint_as_float(words[1]) * xv.y + __uint_as_float(words[2]) * xv.z +
                __uint_as_float(words[3]) * xv.w;
            break;
        }
    }
    return s * scale;
}

__device__ __forceinline__ int decode_chunk(const DeviceWeightView& w, int64_t o, int64_t byte, float* vals, float& scale) {
    return decode_raw(w, o, byte, *reinterpret_cast<const uint4*>(w.data + byte), vals, scale);
}

__host__ __device__ inline int64_t values_per_16_bytes(cpu::WeightFormat f) {
    switch (f) {
        case cpu::WeightFormat::Fp8Block128: return 16;
        case cpu::WeightFormat::Fp4Group32: return 32;
        case cpu::WeightFormat::Bf16: return 8;
        case cpu::WeightFormat::F32: return 4;
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

}  // namespace fathom::cuda
