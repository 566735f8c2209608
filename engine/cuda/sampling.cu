#include "cuda/sampling.cuh"

#include "cuda/cuda_error.hpp"

#include <cub/cub.cuh>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

namespace fathom::cuda {

namespace {

constexpr int kThreads = 1024;

struct Stats {
    double max;
    int32_t argmax;
    int32_t token;
};

// One block: the largest logit and its lowest index (std::max_element's choice).
__global__ void max_kernel(const float* logits, int64_t n, Stats* out) {
    __shared__ float best_value[kThreads];
    __shared__ int64_t best_index[kThreads];
    float v = -FLT_MAX;
    int64_t at = n;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        if (logits[i] > v || at == n) v = logits[i], at = i;  // first hit per thread is its lowest index
    best_value[threadIdx.x] = v;
    best_index[threadIdx.x] = at;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            const float ov = best_value[threadIdx.x + s];
            const int64_t oi = best_index[threadIdx.x + s];
            if (oi < n && (ov > best_value[threadIdx.x] || (ov == best_value[threadIdx.x] && oi < best_index[threadIdx.x]))) {
                best_value[threadIdx.x] = ov;
                best_index[threadIdx.x] = oi;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        out->max = best_value[0];
        out->argmax = static_cast<int32_t>(best_index[0]);
        out->token = out->argmax;
    }
}

__global__ void iota_kernel(int32_t* out, int64_t n) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) out[i] = static_cast<int32_t>(i);
}

__global__ void probabilities_kernel(const float* logits, int64_t n, const Stats* stats, double temperature, double* p) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) p[i] = exp((static_cast<double>(logits[i]) - stats->max) / temperature);
}

// First index in the non-decreasing cumulative [0, n) whose value reaches `target` (n if none).
__device__ int64_t first_reaching(const double* cumulative, int64_t n, double target) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        const int64_t mid = (lo + hi) / 2;
        if (cumulative[mid] >= target) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

__global__ void choose_kernel(const double* cumulative, const int32_t* order, int64_t n, double top_p, double u, Stats* stats) {
    int64_t keep = n;
    if (top_p < 1.0) keep = min(n, first_reaching(cumulative, n, top_p * cumulative[n - 1]) + 1);
    const int64_t j = first_reaching(cumulative, keep, u * cumulative[keep - 1]);
    const int64_t chosen = j < keep ? j : keep - 1;
    stats->token = order ? order[chosen] : static_cast<int32_t>(chosen);
}

}  // namespace

DeviceSampler::DeviceSampler(int64_t max_vocab) : max_vocab_(max_vocab) {
    if (max_vocab <= 0 || max_vocab > INT32_MAX) throw Error("sampler: vocabulary of " + std::to_string(max_vocab) + " tokens");
    const auto n = static_cast<size_t>(max_vocab);
    iota_ = DeviceBuffer(n * 4);
    sorted_keys_ = DeviceBuffer(n * 4);
    sorted_index_ = DeviceBuffer(n * 4);
    probabilities_ = DeviceBuffer(n * 8);
    cumulative_ = DeviceBuffer(n * 8);
    result_ = DeviceBuffer(sizeof(Stats));
    iota_kernel<<<static_cast<unsigned>((n + 255) / 256), 256>>>(iota_.as<int32_t>(), max_vocab);
    FATHOM_CUDA_CHECK_LAUNCH();
    FATHOM_CUDA_CHECK(cub::DeviceRadixSort::SortPairsDescending(nullptr, sort_scratch_bytes_, sorted_keys_.as<float>(), sorted_keys_.as<float>(),
                                                                iota_.as<int32_t>(), sorted_index_.as<int32_t>(), static_cast<int>(max_vocab)));
    FATHOM_CUDA_CHECK(cub::DeviceScan::InclusiveSum(nullptr, scan_scratch_bytes_, probabilities_.as<double>(), cumulative_.as<double>(),
                                                    static_cast<int>(max_vocab)));
    cub_scratch_ = DeviceBuffer(std::max(sort_scratch_bytes_, scan_scratch_bytes_));
    FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
}

int32_t DeviceSampler::pick(const float* logits, int64_t n, float temperature, float top_p, double u, cudaStream_t stream) {
    if (n <= 0 || n > max_vocab_) throw Error("sampler: " + std::to_string(n) + " logits for a vocabulary of " + std::to_string(max_vocab_));
    if (!(temperature >= 0.0f) || !std::isfinite(temperature)) throw Error("temperature must be a finite number >= 0");
    if (!(top_p > 0.0f && top_p <= 1.0f)) throw Error("top_p must be in (0, 1]");
    auto* stats = result_.as<Stats>();
    max_kernel<<<1, kThreads, 0, stream>>>(logits, n, stats);
    FATHOM_CUDA_CHECK_LAUNCH();
    if (temperature > 0.0f) {
        const float* source = logits;
        const int32_t* order = nullptr;
        if (top_p < 1.0f) {
            // Stable radix sort on the logits, descending: the probabilities' order with ties by lower index.
            size_t bytes = sort_scratch_bytes_;
            FATHOM_CUDA_CHECK(cub::DeviceRadixSort::SortPairsDescending(cub_scratch_.as<void>(), bytes, logits, sorted_keys_.as<float>(),
                                                                        iota_.as<int32_t>(), sorted_index_.as<int32_t>(),
                                                                        static_cast<int>(n), 0, 32, stream));
            source = sorted_keys_.as<float>();
            order = sorted_index_.as<int32_t>();
        }
        probabilities_kernel<<<static_cast<unsigned>((n + 255) / 256), 256, 0, stream>>>(source, n, stats, temperature,
                                                                                          probabilities_.as<double>());
        FATHOM_CUDA_CHECK_LAUNCH();
        size_t bytes = scan_scratch_bytes_;
        FATHOM_CUDA_CHECK(cub::DeviceScan::InclusiveSum(cub_scratch_.as<void>(), bytes, probabilities_.as<double>(),
                                                        cumulative_.as<double>(), static_cast<int>(n), stream));
        choose_kernel<<<1, 1, 0, stream>>>(cumulative_.as<double>(), order, n, top_p, u, stats);
        FATHOM_CUDA_CHECK_LAUNCH();
    }
    int32_t token = -1;
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(&token, &stats->token, sizeof token, cudaMemcpyDeviceToHost, stream));
    FATHOM_CUDA_CHECK(cudaStreamSynchronize(stream));
    return token;
}

}  // namespace fathom::cuda
