// fathom-bench cpu-linear: one decode-sized matrix product on the CPU (the fused decode-and-multiply rows a decode
// step spends most of its time in), for FP8, FP4 and bf16 weights, once cache-resident (the kernel's own rate)
// and once from DRAM, beside the host read bandwidth measured in the same run.
#include "bench_common.hpp"
#include "benchmark.hpp"

#include "cpu/linear.hpp"
#include "cpu/linear_kernels.hpp"
#include "cpu/thread_pool.hpp"
#include "fathom/error.hpp"

#include <chrono>
#include <cstdio>
#include <random>

namespace fathom::bench {
namespace {

struct Owned {
    std::vector<uint8_t> data, scale;
    cpu::Weight w;
};

Owned make(cpu::WeightFormat f, int64_t out, int64_t in, std::mt19937& rng) {
    Owned o;
    o.w.format = f;
    o.w.out = out;
    o.w.in = in;
    const int64_t bytes = f == cpu::WeightFormat::Fp4Group32 ? out * in / 2 : (f == cpu::WeightFormat::Bf16 ? out * in * 2 : out * in);
    o.data.resize(static_cast<size_t>(bytes));
    for (auto& b : o.data) b = static_cast<uint8_t>(rng() & 0x7e);  // small positive codes: no NaN, sane values
    if (f == cpu::WeightFormat::Fp8Block128) {
        o.w.scale_cols = (in + 127) / 128;
        o.scale.assign(static_cast<size_t>((out + 127) / 128 * o.w.scale_cols), 120);
    } else if (f == cpu::WeightFormat::Fp4Group32) {
        o.w.scale_cols = in / 32;
        o.scale.assign(static_cast<size_t>(out * o.w.scale_cols), 120);
    }
    o.w.data = o.data.data();
    o.w.scale = o.scale.data();
    return o;
}

int run(const std::vector<std::string>& args) {
    const auto in = static_cast<int64_t>(positive_number_flag(args, "--in", 4096));
    const auto T = static_cast<int64_t>(positive_number_flag(args, "--tokens", 1));
    const auto reps = static_cast<int64_t>(positive_number_flag(args, "--reps", 200));
    if (in % 128) throw Error("--in must be a multiple of 128");
    const ReadBandwidth bw = measure_read_bandwidth(size_t{1} << 30);
    std::printf("cpu-linear: %s kernels, %d threads, %lld token(s); host read bandwidth %.1f GB/s\n", cpu::active_kernels().name,
                cpu::ThreadPool::global().size(), static_cast<long long>(T), bw.best_gb_per_s);
    std::mt19937 rng(9);
    std::vector<float> x(static_cast<size_t>(T * in));
    std::normal_distribution<float> n(0.0f, 1.0f);
    for (auto& v : x) v = n(rng);
    const std::pair<const char*, cpu::WeightFormat> formats[] = {
        {"fp8", cpu::WeightFormat::Fp8Block128}, {"fp4", cpu::WeightFormat::Fp4Group32}, {"bf16", cpu::WeightFormat::Bf16}};
    for (const auto& [label, f] : formats) {
        // 256 KiB of weights stay in cache; 512 MiB come from DRAM.
        for (const int64_t target : {int64_t{256} << 10, int64_t{512} << 20}) {
            const int64_t bytes_per_row = f == cpu::WeightFormat::Fp4Group32 ? in / 2 : (f == cpu::WeightFormat::Bf16 ? in * 2 : in);
            const int64_t out = std::max<int64_t>(128, target / bytes_per_row / 128 * 128);
            Owned o = make(f, out, in, rng);
            std::vector<float> y(static_cast<size_t>(T * out));
            const int64_t r = target < (int64_t{1} << 20) ? reps * 50 : std::max<int64_t>(3, reps / 20);
            cpu::linear(o.w, x.data(), T, y.data());
            const auto t0 = std::chrono::steady_clock::now();
            for (int64_t i = 0; i < r; ++i) cpu::linear(o.w, x.data(), T, y.data());
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / r;
            std::printf("  %-4s %s: %lld x %lld, %.1f MB, %.1f us per product, %.1f GB/s of weights\n", label,
                        target < (int64_t{1} << 20) ? "cache-resident" : "from DRAM     ", static_cast<long long>(out),
                        static_cast<long long>(in), o.w.bytes() / 1e6, s * 1e6, o.w.bytes() / s / 1e9);
        }
    }
    return 0;
}

const BenchmarkRegistrar registrar({"cpu-linear", "[--in K] [--tokens T] [--reps N]: CPU decode-sized products per weight format, cached and from DRAM", run});

}  // namespace
}  // namespace fathom::bench
