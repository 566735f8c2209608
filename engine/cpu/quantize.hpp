// The roundings that are part of the V4 model (spec §2), applied in place as value round trips:
// FP8 activations (blocks of 128) and KV (blocks of 64), FP4 indexer values (blocks of 32), Hadamard rotation.
#pragma once

#include <cstdint>

namespace fathom::cpu {

// Each block of `block` values: scale = 2^ceil(log2(max(amax, 1e-4) / 448)), x = e4m3(clamp(x/scale)) * scale.
void fp8_round_trip(float* x, int64_t n, int64_t block);
// Each block of 32 values: scale = 2^ceil(log2(max(amax, 6*2^-126) / 6)), x = e2m1(clamp(x/scale)) * scale.
void fp4_round_trip(float* x, int64_t n, int64_t block = 32);
// In-place Sylvester Walsh-Hadamard transform of n (a power of two) values, times n^-1/2.
void hadamard_rotate(float* x, int64_t n);

constexpr int64_t kActivationBlock = 128;
constexpr int64_t kKvBlock = 64;

}  // namespace fathom::cpu
