#include "cuda/grouped_gemv.cuh"

#include "cuda/cuda_error.hpp"
#include "cuda/weight_decode.cuh"

#include <algorithm>
#include <string>

namespace fathom::cuda {

namespace {

constexpr int kMaxTasks = 32, kWarps = 16, kRowsPerWarp = 4, kRowsPerBlock = kWarps * kRowsPerWarp;

struct GroupedArgs {
    GemvTask tasks[kMaxTasks];
    int64_t block_begin[kMaxTasks + 1];
    int count;
};

// Block b works on the task whose block range holds b. Each warp takes kRowsPerWarp rows at once: their 16-byte
// chunks are in flight together and each staged input value is read once for all of them.
__global__ void __launch_bounds__(kWarps * 32, 2) grouped_gemv_kernel(const __grid_constant__ GroupedArgs a) {
    extern __shared__ float x[];
    int i = 0;
    while (i + 1 < a.count && static_cast<int64_t>(blockIdx.x) >= a.block_begin[i + 1]) ++i;
    const GemvTask& task = a.tasks[i];
    const DeviceWeightView w = task.table ? task.table[*task.index] : task.w;
    for (int64_t k = threadIdx.x; k < w.in; k += blockDim.x) x[k] = task.x[k];
    __syncthreads();
    const int lane = threadIdx.x & 31;
    const int64_t o0 = (static_cast<int64_t>(blockIdx.x) - a.block_begin[i]) * kRowsPerBlock + (threadIdx.x / 32) * kRowsPerWarp;
    if (o0 >= w.out) return;
    const int64_t rb = row_bytes(w);
    float acc[kRowsPerWarp] = {};
    int64_t stored[kRowsPerWarp];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) stored[r] = min(o0 + r, w.out - 1) + w.row0;  // rows past the end: unused
    const int64_t per16 = values_per_16_bytes(w.format);
    for (int64_t off = lane * 16; off < rb; off += 32 * 16) {
        uint4 raw[kRowsPerWarp];
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) raw[r] = *reinterpret_cast<const uint4*>(w.data + stored[r] * rb + off);
        const float* xr = x + (off * per16) / 16;
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) acc[r] += chunk_dot(w, stored[r], stored[r] * rb + off, raw[r], xr);
    }
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
        float v = acc[r];
        for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
        if (lane == 0 && o0 + r < w.out) task.y[o0 + r] = v;
    }
}

__global__ void add_rows_kernel(const float* rows, int64_t n, int64_t width, float* out) {
    const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= width) return;
    float v = out[c];
    for (int64_t i = 0; i < n; ++i) v += rows[i * width + c];
    out[c] = v;
}

}  // namespace

void grouped_gemv(std::span<const GemvTask> tasks, cudaStream_t stream) {
    constexpr size_t kMaxSmem = 192 * 1024;
    static bool raised = false;
    for (size_t first = 0; first < tasks.size(); first += kMaxTasks) {
        GroupedArgs a{};
        a.count = static_cast<int>(std::min<size_t>(kMaxTasks, tasks.size() - first));
        int64_t blocks = 0, max_in = 0;
        for (int i = 0; i < a.count; ++i) {
            const GemvTask& t = tasks[first + static_cast<size_t>(i)];
            if (row_bytes(t.w) % 16 != 0 || t.w.in % 4 != 0)
                throw Error("grouped GEMV needs rows of a multiple of 16 bytes (in = " + std::to_string(t.w.in) + ")");
            a.tasks[i] = t;
            a.block_begin[i] = blocks;
            blocks += (t.w.out + kRowsPerBlock - 1) / kRowsPerBlock;
            max_in = std::max(max_in, t.w.in);
        }
        a.block_begin[a.count] = blocks;
        const size_t smem = static_cast<size_t>(max_in) * sizeof(float);
        if (smem > kMaxSmem) throw Error("grouped GEMV: inputs of " + std::to_string(max_in) + " values exceed shared memory");
        if (smem > 48 * 1024 && !raised) {
            FATHOM_CUDA_CHECK(cudaFuncSetAttribute(grouped_gemv_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(kMaxSmem)));
            raised = true;
        }
        if (blocks == 0) continue;
        grouped_gemv_kernel<<<static_cast<unsigned>(blocks), kWarps * 32, smem, stream>>>(a);
        FATHOM_CUDA_CHECK_LAUNCH();
    }
}

void add_rows_into(const float* rows, int64_t n, int64_t width, float* out, cudaStream_t stream) {
    if (n <= 0 || width <= 0) return;
    add_rows_kernel<<<static_cast<unsigned>((width + 255) / 256), 256, 0, stream>>>(rows, n, width, out);
    FATHOM_CUDA_CHECK_LAUNCH();
}

}  // namespace fathom::cuda
