// Prefill-sized matrix products with AVX-512 BF16 dot products: weight tiles decoded as for the fp32 path and kept
// where they are exact bf16 values (FP8/FP4 times a power-of-two scale, bf16), against inputs that are exact bf16.
#pragma once

#include "cpu/linear_kernels.hpp"

#include <cstdint>
#include <functional>

namespace fathom::cpu {

// True when the CPU has AVX-512 BF16 (and FATHOM_PREFILL_BF16 is not 0).
bool bf16_products_available();

// y[t * ldy + r] = sum_k w[r][k] * x[t][k] for r < R, t < T; w [R][K], x [T][K] bf16, K a multiple of 32.
void bf16_tile_product(const uint16_t* w, int64_t R, const uint16_t* x, int64_t T, int64_t K, float* y, int64_t ldy);

// y = x · W^T for the bf16 product paths, 32 weight rows at a time: each tile decoded with `kernels`; where every
// value is an exact bf16, `product(wb, R, r0)` multiplies the bf16 rows wb [R][in] (rows r0..r0+R-1) into y; else
// the tile is multiplied in fp32 by `kernels`.
void bf16_weight_tiles(const LinearKernels& kernels, const Weight& w, const float* x, int64_t T, float* y,
                       const std::function<void(const uint16_t* wb, int64_t R, int64_t r0)>& product);

// y = x · W^T like linear() for T > kFusedMaxTokens when every input is an exact bf16 and in % 32 == 0; weight tiles
// are decoded with `kernels` and a tile holding a value that is not an exact bf16 is multiplied in fp32 by `kernels`.
// False (y untouched) when the call is not taken.
bool bf16_linear(const LinearKernels& kernels, const Weight& w, const float* x, int64_t T, float* y);

}  // namespace fathom::cpu
