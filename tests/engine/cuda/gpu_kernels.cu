// Each CUDA kernel against its CPU twin (engine/cpu) on fresh random inputs of awkward shapes.
#include "cpu/linear_kernels.hpp"
#include "cpu/quantize.hpp"
#include "cpu/rms_norm.hpp"
#include "cpu/rope.hpp"
#include "cuda/linear.cuh"
#include "cuda/pointwise.cuh"
#include "random_weights.hpp"
#include "unit.hpp"

#include <cstdio>
#include <random>

using namespace fathom;

namespace {

double rel_error(const std::vector<float>& a, const std::vector<float>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
        num += (a[i] - double(b[i])) * (a[i] - double(b[i]));
        den += double(b[i]) * b[i];
    }
    return std::sqrt(num / std::max(den, 1e-300));
}

std::vector<float> random_vector(size_t n, std::mt19937& rng, float scale = 1.0f) {
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

std::mt19937 fresh_rng() { return std::mt19937(std::random_device{}()); }

}  // namespace

TEST("GPU linear (GEMV and tiled GEMM) matches the CPU reference for FP8, FP4 and bf16 weights") {
    auto rng = fresh_rng();
    for (auto f : {cpu::WeightFormat::Fp8Block128, cpu::WeightFormat::Fp4Group32, cpu::WeightFormat::Bf16}) {
        for (auto [out, in] : {std::pair<int64_t, int64_t>{37, 160}, {200, 96}, {300, 512}}) {
            if (f == cpu::WeightFormat::Fp4Group32 && in % 32 != 0) continue;
            auto o = unit::random_weight(f, out, in, rng);
            cuda::DeviceWeight dw(o.w);
            for (int64_t T : {1, 3, 8, 13, 70}) {
                const auto x = random_vector(static_cast<size_t>(T * in), rng);
                std::vector<float> ref(static_cast<size_t>(T * out));
                cpu::linear_with(cpu::reference_kernels(), o.w, x.data(), T, ref.data());
                auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
                for (auto path : {cuda::LinearPath::Gemv, cuda::LinearPath::TiledGemm}) {
                    cuda::DeviceBuffer dy(ref.size() * 4);
                    FATHOM_CUDA_CHECK(cudaMemset(dy.as<float>(), 0xff, dy.bytes()));  // poison: NaN everywhere
                    cuda::linear_path(path, dw.view(), dx.as<float>(), T, dy.as<float>());
                    FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
                    const double e = rel_error(dy.to_host<float>(), ref);
                    if (!(e < 1e-5)) std::fprintf(stderr, "  format %d out %lld in %lld T %lld path %d: rel error %.3g\n", int(f), (long long)out, (long long)in, (long long)T, int(path), e);
                    CHECK(e < 1e-5);
                }
            }
            // A row view of the device weight equals the same rows of the full product.
            const auto x = random_vector(static_cast<size_t>(in), rng);
            std::vector<float> ref(static_cast<size_t>(out));
            cpu::linear_with(cpu::reference_kernels(), o.w, x.data(), 1, ref.data());
            auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
            cuda::DeviceBuffer dy(static_cast<size_t>(20) * 4);
            cuda::linear(dw.rows(7, 20), dx.as<float>(), 1, dy.as<float>());
            CHECK(rel_error(dy.to_host<float>(), std::vector<float>(ref.begin() + 7, ref.begin() + 27)) < 1e-5);
        }
    }
}

TEST("GPU RMSNorm matches the CPU twin") {
    auto rng = fresh_rng();
    const int64_t rows = 33, n = 700;
    auto x = random_vector(static_cast<size_t>(rows * n), rng, 3.0f);
    auto w = random_vector(static_cast<size_t>(n), rng);
    auto ref = x;
    cpu::rms_norm_rows(ref.data(), w.data(), rows, n, 1e-6f);
    auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
    auto dw = cuda::DeviceBuffer::from(std::span<const float>(w));
    cuda::rms_norm_rows(dx.as<float>(), dw.as<float>(), rows, n, 1e-6f);
    CHECK(rel_error(dx.to_host<float>(), ref) < 1e-6);
}

TEST("GPU FP8 round trips equal the CPU ones exactly (blocks of 128 and of 64 on a prefix)") {
    auto rng = fresh_rng();
    const int64_t rows = 17, n = 448;
    auto x = random_vector(static_cast<size_t>(rows * n), rng, 5.0f);
    auto ref = x;
    for (int64_t r = 0; r < rows; ++r) cpu::fp8_round_trip(ref.data() + r * n, n, 128);
    auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
    cuda::fp8_round_rows(dx.as<float>(), rows, n, n, 128);
    CHECK(dx.to_host<float>() == ref);

    ref = x;
    for (int64_t r = 0; r < rows; ++r) cpu::fp8_round_trip(ref.data() + r * n, n - 64, 64);
    dx = cuda::DeviceBuffer::from(std::span<const float>(x));
    cuda::fp8_round_rows(dx.as<float>(), rows, n, n - 64, 64);
    CHECK(dx.to_host<float>() == ref);
}

TEST("GPU Hadamard + FP4 equals the CPU twin exactly") {
    auto rng = fresh_rng();
    for (int64_t n : {128, 512}) {
        const int64_t rows = 9;
        auto x = random_vector(static_cast<size_t>(rows * n), rng);
        auto ref = x;
        for (int64_t r = 0; r < rows; ++r) {
            cpu::hadamard_rotate(ref.data() + r * n, n);
            cpu::fp4_round_trip(ref.data() + r * n, n);
        }
        auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
        cuda::hadamard_fp4_rows(dx.as<float>(), rows, n);
        CHECK(dx.to_host<float>() == ref);
    }
}

TEST("GPU RoPE (YaRN frequencies) and its inverse match the CPU twin") {
    auto rng = fresh_rng();
    cpu::Rope rope(64, 160000.0, true, 16, 65536, 32, 1);
    const int64_t rows = 11, heads = 3, D = 192;
    auto x = random_vector(static_cast<size_t>(rows * heads * D), rng);
    std::vector<int64_t> pos(rows);
    for (int64_t t = 0; t < rows; ++t) pos[t] = 1000 * t + 7;
    auto ref = x;
    for (int64_t t = 0; t < rows; ++t)
        for (int64_t h = 0; h < heads; ++h) rope.apply(ref.data() + (t * heads + h) * D + D - 64, pos[t]);
    auto dx = cuda::DeviceBuffer::from(std::span<const float>(x));
    auto df = cuda::DeviceBuffer::from(std::span<const float>(rope.frequencies()));
    auto dp = cuda::DeviceBuffer::from(std::span<const int64_t>(pos));
    cuda::rope_rows(dx.as<float>(), rows, heads, D, D - 64, 64, df.as<float>(), dp.as<int64_t>(), false);
    CHECK(rel_error(dx.to_host<float>(), ref) < 1e-6);
    cuda::rope_rows(dx.as<float>(), rows, heads, D, D - 64, 64, df.as<float>(), dp.as<int64_t>(), true);
    CHECK(rel_error(dx.to_host<float>(), x) < 1e-6);
}

TEST("an impossible allocation is a clear error, and the GPU stays usable") {
    CHECK_THROWS_WITH(cuda::DeviceBuffer(size_t{1} << 50), "cannot allocate");
    cuda::DeviceBuffer ok(1024);
    CHECK(ok.as<float>() != nullptr);
}

int main(int argc, char** argv) {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::printf("engine_cuda_kernels: no CUDA GPU on this machine: skipped\n");
        return 77;
    }
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, 0);
    std::printf("GPU: %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);
    return unit::run_all(argc, argv);
}
