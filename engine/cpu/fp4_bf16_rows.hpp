// FP4 weight rows against activations that are exact in bf16 (the model's FP8-rounded expert inputs), with AVX-512
// BF16 dot products: the products are exact, only the order of the fp32 sums differs from the fp32 path.
#pragma once

#include "cpu/linear.hpp"

#include <cstdint>

namespace fathom::cpu {

// True when this CPU has AVX-512 BF16 (and FATHOM_EXPERT_BF16 is not 0).
bool fp4_bf16_available();

// x [T, in] fp32 to bf16, per token in four quarters: elements 4j, then 4j+1, 4j+2, 4j+3 (in/4 each; in % 4 == 0).
// False, leaving `out` partly written, when a value is not exactly a bf16 (then this path must not be used: it would
// round the input).
bool split_to_bf16(const float* x, int64_t T, int64_t in, uint16_t* out);

// y[t * ldy + r] = row r0 + r of the FP4 weight w . x_t for r < R, t < T (T <= 4; w.in a multiple of 128).
void fp4_bf16_rows(const Weight& w, int64_t r0, int64_t R, const uint16_t* x_split, int64_t T, float* y, int64_t ldy);

}  // namespace fathom::cpu
