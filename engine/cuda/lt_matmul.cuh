// cuBLASLt matrix products on the tensor cores: the process's handle, one plan (heuristic choice) per shape, and a
// workspace per stream. D [m rows of n] fp32 = B [m rows of k] . A^T with A [n rows of k], both row-major.
#pragma once

#include <cstdint>
#include <cuda_runtime.h>
#include <library_types.h>

namespace fathom::cuda {

enum class LtInputs {
    Fp8BlockScaled,  // A, B e4m3; A scaled per 128x128 block, B per (row, 128 inputs): fp32 scales
    Bf16,            // A, B bf16, no scales
    F32,             // A, B fp32 (fp32 arithmetic, no TF32)
};

struct LtProduct {
    LtInputs inputs = LtInputs::Bf16;
    const void* a = nullptr;  // weight rows
    const void* b = nullptr;  // token rows
    // Fp8BlockScaled: a_scale [ceil(n/128)][ceil(k/128) rounded up to 4], b_scale [k/128][m] (token index fastest).
    const float* a_scale = nullptr;
    const float* b_scale = nullptr;
    int64_t n = 0, k = 0, m = 0;
    float* d = nullptr;
};

// Throws fathom::Error naming the shape when cuBLASLt has no algorithm for it or fails.
void lt_matmul(const LtProduct& p, cudaStream_t stream);

}  // namespace fathom::cuda
