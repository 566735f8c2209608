// Matrix products on Intel AMX tiles for prefill-sized token counts: weight rows decoded as for the fp32 path, kept
// where they are exact bf16 values (FP8/FP4 times a power-of-two scale, bf16), against inputs that are exact bf16.
#pragma once

#include "cpu/bf16_exact.hpp"
#include "cpu/linear_kernels.hpp"

#include <cstdint>

namespace fathom::cpu {

// Prefill-sized calls only: below this many tokens the fp32 path's decoding dominates anyway.
constexpr int64_t kAmxMinTokens = 16;

// y = x · W^T on AMX tiles when amx_usable(), T >= kAmxMinTokens, in % 32 == 0 and every input is an exact bf16;
// weight tiles are decoded with `kernels` and a tile holding a value that is not an exact bf16 is multiplied by
// `kernels` in fp32 instead. False (y untouched) when the call is not taken.
bool amx_linear(const LinearKernels& kernels, const Weight& w, const float* x, int64_t T, float* y);

// True when FATHOM_AMX=1, this CPU has AMX-TILE and AMX-BF16 and Linux lets the process use the tile state.
bool amx_usable();

// x [T, in] as bf16 tiles for amx_tile_product: per block of 16 tokens (zero-padded) and 32 input columns, 16 rows
// (column pairs) of 16 tokens x 2 values. False when a value is not exactly a bf16 (the caller keeps fp32).
// out holds ceil(T / 16) * 16 * in values.
bool pack_tokens_bf16(const float* x, int64_t T, int64_t in, uint16_t* out);

// y[t * ldy + r] = sum_k w[r][k] * x[t][k] for r < R (<= 32), t < T; w [R][K] bf16 rows, x packed by
// pack_tokens_bf16; K a multiple of 32. The tile products run on AMX (amx_usable() must hold).
void amx_tile_product(const uint16_t* w, int64_t R, int64_t K, const uint16_t* x_packed, int64_t T, float* y, int64_t ldy);
// The same with the tiles emulated in scalar code: the layouts checked on machines without AMX.
void amx_tile_product_emulated(const uint16_t* w, int64_t R, int64_t K, const uint16_t* x_packed, int64_t T, float* y, int64_t ldy);

}  // namespace fathom::cpu
