// fathom-bench gpu-linear: GPU matrix products on V4-Flash-shaped weights, each beside its floor measured in the
// same run (bytes over the device-to-device copy bandwidth; FLOPs over the fp32 FMA rate of the GEMM kernel's
// class is not a floor, so prefill is reported in TFLOP/s against the card's measured rate where one exists).
#include "benchmark.hpp"

#include "cuda/linear.cuh"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

namespace fathom::bench {
namespace {

struct Shape {
    const char* name;
    cpu::WeightFormat format;
    int64_t out, in;
};

float median_ms(const std::function<void()>& fn, int reps) {
    cudaEvent_t a, b;
    FATHOM_CUDA_CHECK(cudaEventCreate(&a));
    FATHOM_CUDA_CHECK(cudaEventCreate(&b));
    for (int i = 0; i < 3; ++i) fn();
    std::vector<float> times;
    for (int i = 0; i < reps; ++i) {
        FATHOM_CUDA_CHECK(cudaEventRecord(a));
        fn();
        FATHOM_CUDA_CHECK(cudaEventRecord(b));
        FATHOM_CUDA_CHECK(cudaEventSynchronize(b));
        float ms;
        FATHOM_CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
        times.push_back(ms);
    }
    std::sort(times.begin(), times.end());
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    return times[times.size() / 2];
}

int run(const std::vector<std::string>&) {
    int dev = 0;
    cudaDeviceProp prop{};
    FATHOM_CUDA_CHECK(cudaGetDeviceProperties(&prop, dev));
    std::printf("GPU: %s, %d SMs, %.0f MiB\n", prop.name, prop.multiProcessorCount, prop.totalGlobalMem / 1048576.0);

    // Floor: device-to-device copy of 2 GiB, counting bytes read plus written.
    const size_t copy_bytes = size_t{2} << 30;
    cuda::DeviceBuffer src(copy_bytes), dst(copy_bytes);
    FATHOM_CUDA_CHECK(cudaMemset(src.as<uint8_t>(), 1, copy_bytes));
    const float copy_ms = median_ms([&] { FATHOM_CUDA_CHECK(cudaMemcpy(dst.as<uint8_t>(), src.as<uint8_t>(), copy_bytes, cudaMemcpyDeviceToDevice)); }, 10);
    const double hbm = 2.0 * copy_bytes / (copy_ms * 1e-3) / 1e9;
    std::printf("measured HBM bandwidth (d2d copy, read+write): %.0f GB/s\n\n", hbm);

    const Shape shapes[] = {
        {"attn.wq_b  FP8", cpu::WeightFormat::Fp8Block128, 32768, 1024},
        {"attn.wo_b  FP8", cpu::WeightFormat::Fp8Block128, 4096, 8192},
        {"expert.w1  FP4", cpu::WeightFormat::Fp4Group32, 2048, 4096},
        {"expert.w2  FP4", cpu::WeightFormat::Fp4Group32, 4096, 2048},
        {"compr.wkv  BF16", cpu::WeightFormat::Bf16, 1024, 4096},
    };
    std::mt19937 rng(3);
    std::printf("%-16s %6s %10s %10s %10s %7s\n", "weight", "T", "time us", "GB/s", "floor us", "ratio");
    for (const auto& s : shapes) {
        // Random bytes are valid codes for every format but NaN FP8 codes; clear those.
        const size_t bytes = s.format == cpu::WeightFormat::Fp4Group32 ? s.out * s.in / 2
                             : s.format == cpu::WeightFormat::Bf16 ? s.out * s.in * 2 : s.out * s.in;
        std::vector<uint8_t> data(bytes), scale;
        for (auto& b : data) b = static_cast<uint8_t>(rng() & 0x3e);
        cpu::Weight w;
        w.format = s.format;
        w.out = s.out;
        w.in = s.in;
        if (s.format == cpu::WeightFormat::Fp8Block128) {
            w.scale_cols = (s.in + 127) / 128;
            scale.assign((s.out + 127) / 128 * w.scale_cols, 120);
        } else if (s.format == cpu::WeightFormat::Fp4Group32) {
            w.scale_cols = s.in / 32;
            scale.assign(s.out * w.scale_cols, 120);
        }
        w.data = data.data();
        w.scale = scale.data();
        cuda::DeviceWeight dw(w);
        for (int64_t T : {1, 4}) {
            std::vector<float> x(static_cast<size_t>(T * s.in), 0.5f);
            auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
            cuda::DeviceBuffer dy(static_cast<size_t>(T * s.out) * 4);
            const float ms = median_ms([&] { cuda::linear(dw.view(), dx.as<float>(), T, dy.as<float>()); }, 50);
            const double moved = static_cast<double>(dw.bytes() + x.size() * 4 + T * s.out * 4);
            const double floor_us = moved / (hbm * 1e9) * 1e6;
            std::printf("%-16s %6lld %10.1f %10.0f %10.1f %7.2f\n", s.name, static_cast<long long>(T), ms * 1e3,
                        moved / (ms * 1e-3) / 1e9, floor_us, ms * 1e3 / floor_us);
        }
        for (int64_t T : {1024, 8192}) {
            std::vector<float> x(static_cast<size_t>(T * s.in), 0.5f);
            auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
            cuda::DeviceBuffer dy(static_cast<size_t>(T * s.out) * 4);
            const float ms = median_ms([&] { cuda::linear(dw.view(), dx.as<float>(), T, dy.as<float>()); }, 5);
            const double flops = 2.0 * T * s.out * s.in;
            std::printf("%-16s %6lld %10.1f %10.1f TFLOP/s (fp32 CUDA-core tiled GEMM)\n", s.name,
                        static_cast<long long>(T), ms * 1e3, flops / (ms * 1e-3) / 1e12);
        }
    }
    return 0;
}

const BenchmarkRegistrar kGpuLinear({"gpu-linear", "GPU FP8/FP4/bf16 GEMV and GEMM on V4-Flash shapes vs measured HBM bandwidth", run});

}  // namespace
}  // namespace fathom::bench
