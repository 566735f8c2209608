#include "gpu_bandwidth.cuh"

#include "cuda/device_buffer.hpp"

#include <algorithm>
#include <chrono>

namespace fathom::bench {

double hbm_bandwidth_gb_per_s() {
    const size_t bytes = size_t{2} << 30;
    cuda::DeviceBuffer a(bytes), b(bytes);
    FATHOM_CUDA_CHECK(cudaMemset(a.as<uint8_t>(), 1, bytes));
    cudaEvent_t e0, e1;
    FATHOM_CUDA_CHECK(cudaEventCreate(&e0));
    FATHOM_CUDA_CHECK(cudaEventCreate(&e1));
    float best = 1e9f;
    for (int i = 0; i < 6; ++i) {
        FATHOM_CUDA_CHECK(cudaEventRecord(e0));
        FATHOM_CUDA_CHECK(cudaMemcpy(b.as<uint8_t>(), a.as<uint8_t>(), bytes, cudaMemcpyDeviceToDevice));
        FATHOM_CUDA_CHECK(cudaEventRecord(e1));
        FATHOM_CUDA_CHECK(cudaEventSynchronize(e1));
        float ms;
        FATHOM_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
        if (i > 0) best = std::min(best, ms);
    }
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    return 2.0 * bytes / (best * 1e-3) / 1e9;
}

double pcie_h2d_bandwidth_gb_per_s() {
    using Clock = std::chrono::steady_clock;
    const size_t bytes = size_t{1} << 30;
    void* host = nullptr;
    FATHOM_CUDA_CHECK(cudaHostAlloc(&host, bytes, cudaHostAllocDefault));
    std::fill_n(static_cast<uint8_t*>(host), bytes, uint8_t{1});
    cuda::DeviceBuffer dev(bytes);
    double best = 1e9;
    for (int i = 0; i < 5; ++i) {
        const auto t0 = Clock::now();
        FATHOM_CUDA_CHECK(cudaMemcpy(dev.as<uint8_t>(), host, bytes, cudaMemcpyHostToDevice));
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    cudaFreeHost(host);
    return bytes / best / 1e9;
}

}  // namespace fathom::bench
