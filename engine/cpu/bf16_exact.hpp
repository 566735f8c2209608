// Exact fp32 -> bf16 conversion for the bf16 product paths (AVX-512 BF16 dot products, AMX tiles): a value that
// would be rounded is refused, so a caller falls back to fp32 instead of changing the model's numbers.
#pragma once

#include <cstdint>

namespace fathom::cpu {

// True when the CPU has AVX-512 BF16 dot products (with AVX-512 F/BW/VL and FMA).
bool cpu_has_avx512_bf16();

// dst[i] = src[i] as bf16 for n values; false when one is not exactly a normal bf16 or zero (then dst is partial).
bool to_bf16_exact(const float* src, int64_t n, uint16_t* dst);

}  // namespace fathom::cpu
