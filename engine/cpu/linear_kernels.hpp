// The two halves of every matrix product, per instruction set: decoding a tile of weight rows from their
// stored format to fp32, and the register-tiled fp32 product of that tile with the token rows.
#pragma once

#include "cpu/linear.hpp"

namespace fathom::cpu {

struct LinearKernels {
    const char* name;
    // dst [R][w.in]: rows r0 .. r0+R-1 of w, decoded to fp32.
    void (*decode_rows)(const Weight& w, int64_t r0, int64_t R, float* dst);
    // y[t * ldy + r] = sum_k wt[r][k] * x[t][k] for r < R, t < T (K = row length).
    void (*tile_product)(const float* wt, int64_t R, const float* x, int64_t T, int64_t K, float* y, int64_t ldy);
    // Optional fused path for decode-sized T (<= kFusedMaxTokens): rows r0 .. r0+R-1 decoded in registers and
    // multiplied at once, so the weight bytes are read once and nothing is stored in between. x_split holds, per
    // token, x (in values) followed by its even then its odd elements (in/2 each), which FP4 pairs use.
    void (*fused_rows)(const Weight& w, int64_t r0, int64_t R, const float* x_split, int64_t T, float* y, int64_t ldy) = nullptr;
};

constexpr int64_t kFusedMaxTokens = 4;

const LinearKernels& reference_kernels();
const LinearKernels& active_kernels();  // the fastest this CPU has; FATHOM_CPU_KERNELS=reference|avx2|avx512 forces one
void linear_with(const LinearKernels& kernels, const Weight& w, const float* x, int64_t T, float* y);
const LinearKernels* avx2_kernels();    // nullptr when the CPU lacks AVX2+FMA
const LinearKernels* avx512_kernels();  // nullptr when the CPU lacks AVX-512F/BW

}  // namespace fathom::cpu
