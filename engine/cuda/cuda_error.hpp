// Turns CUDA failures into fathom::Error with the call, file and line, so a missing GPU, an out-of-memory or a
// kernel fault reaches the caller as a clear message and the engine stays usable (the app can fall back to CPU).
#pragma once

#include "fathom/error.hpp"

#include <cuda_runtime.h>
#include <string>

namespace fathom::cuda {

inline void check(cudaError_t status, const char* call, const char* file, int line) {
    if (status == cudaSuccess) return;
    cudaGetLastError();  // clear the sticky-free error so later calls can proceed
    std::string what = std::string("CUDA error in ") + call + " (" + file + ":" + std::to_string(line) +
                       "): " + cudaGetErrorName(status) + ": " + cudaGetErrorString(status);
    if (status == cudaErrorMemoryAllocation) what += " (out of GPU memory)";
    throw Error(what);
}

}  // namespace fathom::cuda

#define FATHOM_CUDA_CHECK(expr) ::fathom::cuda::check((expr), #expr, __FILE__, __LINE__)
#define FATHOM_CUDA_CHECK_LAUNCH() ::fathom::cuda::check(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
