#include "gpu_bandwidth.cuh"

#include "cuda/device_buffer.hpp"
#include "cuda/lt_matmul.cuh"

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace fathom::bench {

namespace {
// Best of five timed runs of fn on the default stream, after one untimed warm-up (milliseconds, CUDA events).
float best_ms(const std::function<void()>& fn) {
    cudaEvent_t e0, e1;
    FATHOM_CUDA_CHECK(cudaEventCreate(&e0));
    FATHOM_CUDA_CHECK(cudaEventCreate(&e1));
    float best = 1e9f;
    for (int i = 0; i < 6; ++i) {
        FATHOM_CUDA_CHECK(cudaEventRecord(e0));
        fn();
        FATHOM_CUDA_CHECK(cudaEventRecord(e1));
        FATHOM_CUDA_CHECK(cudaEventSynchronize(e1));
        float ms;
        FATHOM_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
        if (i > 0) best = std::min(best, ms);
    }
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    return best;
}
}  // namespace

double hbm_bandwidth_gb_per_s() {
    const size_t bytes = size_t{2} << 30;
    cuda::DeviceBuffer a(bytes), b(bytes);
    FATHOM_CUDA_CHECK(cudaMemset(a.as<uint8_t>(), 1, bytes));
    const float best = best_ms([&] { FATHOM_CUDA_CHECK(cudaMemcpy(b.as<uint8_t>(), a.as<uint8_t>(), bytes, cudaMemcpyDeviceToDevice)); });
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

namespace {
double matrix_tflops(cuda::LtInputs inputs) {
    const int64_t n = 8192;
    const size_t elem = inputs == cuda::LtInputs::Fp8BlockScaled ? 1 : 2;
    cuda::DeviceBuffer a(static_cast<size_t>(n * n) * elem), b(a.bytes()), d(static_cast<size_t>(n * n) * 4);
    cuda::DeviceBuffer sa(static_cast<size_t>(n / 128 * n / 128) * 4), sb(static_cast<size_t>(n / 128 * n) * 4);
    // 0x38 is 1.0 in e4m3 and, as a bf16 byte pair (0x3838), a small normal number: finite products either way.
    FATHOM_CUDA_CHECK(cudaMemset(a.as<uint8_t>(), 0x38, a.bytes()));
    FATHOM_CUDA_CHECK(cudaMemset(b.as<uint8_t>(), 0x38, b.bytes()));
    std::vector<float> ones(sb.bytes() / 4, 1.0f);
    FATHOM_CUDA_CHECK(cudaMemcpy(sa.as<float>(), ones.data(), sa.bytes(), cudaMemcpyHostToDevice));
    FATHOM_CUDA_CHECK(cudaMemcpy(sb.as<float>(), ones.data(), sb.bytes(), cudaMemcpyHostToDevice));
    cuda::LtProduct p;
    p.inputs = inputs;
    p.a = a.as<void>();
    p.b = b.as<void>();
    p.a_scale = sa.as<float>();
    p.b_scale = sb.as<float>();
    p.n = p.k = p.m = n;
    p.d = d.as<float>();
    const float best = best_ms([&] { cuda::lt_matmul(p, nullptr); });
    return 2.0 * static_cast<double>(n) * n * n / (best * 1e-3) / 1e12;
}
}  // namespace

double fp8_matrix_tflops() { return matrix_tflops(cuda::LtInputs::Fp8BlockScaled); }
double bf16_matrix_tflops() { return matrix_tflops(cuda::LtInputs::Bf16); }

}  // namespace fathom::bench
