// Many one-token matrix-vector products in one launch: a decode step's experts (w1 and w3 of each, then w2 of
// each) fill the GPU together instead of running as a string of small, under-occupied GEMVs.
#pragma once

#include "cuda/device_weight.hpp"

#include <cuda_runtime.h>
#include <span>

namespace fathom::cuda {

struct GemvTask {
    DeviceWeightView w;
    const float* x = nullptr;  // [w.in], device
    float* y = nullptr;        // [w.out], device
    // When set, the matrix is chosen on the device: table[*index] (a routed expert picked by the GPU's router);
    // `w` then only gives the shape and format, which every entry of the table shares.
    const DeviceWeightView* table = nullptr;
    const int32_t* index = nullptr;
};

// y_i = W_i . x_i for every task (any count; launched in groups). Inputs of at most 48K values.
void grouped_gemv(std::span<const GemvTask> tasks, cudaStream_t stream);

// out[c] += sum over i of rows[i * width + c], added in order of i.
void add_rows_into(const float* rows, int64_t n, int64_t width, float* out, cudaStream_t stream);

}  // namespace fathom::cuda
