// fathom-bench cpu-experts: the CPU side of expert offload alone. A set of V4-Flash-shaped FP4 experts (more than
// the caches hold) run in batches of k single-token jobs, as one decode step's misses; prints the weight bytes read
// per second beside the host read bandwidth measured in the same run.
#include "bench_common.hpp"
#include "benchmark.hpp"

#include "cpu/expert_batch.hpp"
#include "cpu/quantize.hpp"
#include "fathom/error.hpp"

#include <chrono>
#include <cstdio>
#include <random>

namespace fathom::bench {
namespace {

struct OwnedExpert {
    std::vector<uint8_t> bytes[3], scales[3];
    cpu::ExpertWeights w;
};

cpu::Weight fp4(std::vector<uint8_t>& data, std::vector<uint8_t>& scale, int64_t out, int64_t in, std::mt19937& rng) {
    data.resize(static_cast<size_t>(out * in / 2));
    scale.resize(static_cast<size_t>(out * in / 32));
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    for (auto& s : scale) s = static_cast<uint8_t>(118 + rng() % 8);  // 2^-9 .. 2^-2: sane activations
    cpu::Weight w;
    w.format = cpu::WeightFormat::Fp4Group32;
    w.out = out;
    w.in = in;
    w.data = data.data();
    w.scale = scale.data();
    w.scale_cols = in / 32;
    return w;
}

uint64_t e_bytes(const cpu::ExpertWeights& e) { return e.w1.bytes() + e.w2.bytes() + e.w3.bytes(); }

int run(const std::vector<std::string>& args) {
    const auto d = static_cast<int64_t>(positive_number_flag(args, "--hidden", 4096));
    const auto inter = static_cast<int64_t>(positive_number_flag(args, "--inter", 2048));
    const auto experts = static_cast<int64_t>(positive_number_flag(args, "--experts", 64));
    const auto k = static_cast<int64_t>(positive_number_flag(args, "--k", 6));
    const auto steps = static_cast<int64_t>(positive_number_flag(args, "--steps", 40));
    if (d % 32 || inter % 32) throw Error("--hidden and --inter must be multiples of 32");
    const ReadBandwidth bw = measure_read_bandwidth(size_t{1} << 30);

    std::mt19937 rng(3);
    std::vector<OwnedExpert> pool(static_cast<size_t>(experts));
    for (auto& e : pool) {
        e.w.w1 = fp4(e.bytes[0], e.scales[0], inter, d, rng);
        e.w.w2 = fp4(e.bytes[1], e.scales[1], d, inter, rng);
        e.w.w3 = fp4(e.bytes[2], e.scales[2], inter, d, rng);
    }
    const double expert_bytes = static_cast<double>(e_bytes(pool.front().w));
    std::printf("cpu-experts: %lld FP4 experts of %.2f MB (d=%lld, inter=%lld), %.2f GB in all; batches of %lld single-token jobs\n",
                static_cast<long long>(experts), expert_bytes / 1e6, static_cast<long long>(d), static_cast<long long>(inter),
                experts * expert_bytes / 1e9, static_cast<long long>(k));

    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<std::vector<float>> xs(static_cast<size_t>(k)), outs(static_cast<size_t>(k));
    for (auto& x : xs) {
        x.resize(static_cast<size_t>(d));
        for (auto& v : x) v = normal(rng);
        cpu::fp8_round_trip(x.data(), d, cpu::kActivationBlock);  // expert inputs are FP8-rounded in the model
    }
    const float one = 1.0f;
    bool bf16 = false;
    auto step = [&](int64_t s) {
        std::vector<cpu::ExpertJob> jobs;
        for (int64_t j = 0; j < k; ++j) {
            outs[j].assign(static_cast<size_t>(d), 0.0f);
            // Walk the pool so every batch reads experts that left the caches since their last use.
            jobs.push_back({&pool[static_cast<size_t>((s * k + j) % experts)].w, xs[j].data(), &one, 1, outs[j].data()});
        }
        bf16 = cpu::run_expert_jobs(jobs, 10.0f);
    };
    for (int64_t s = 0; s < 4; ++s) step(s);
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < steps; ++s) step(s);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rate = steps * k * expert_bytes / secs / 1e9;
    std::printf("cpu-experts: %s dot products; %.3f ms per batch of %lld experts, %.1f GB/s of weights; host read bandwidth %.1f GB/s "
                "(%d threads): %.2fx the floor's time\n",
                bf16 ? "BF16" : "fp32", secs / steps * 1e3, static_cast<long long>(k), rate, bw.best_gb_per_s, bw.threads, bw.best_gb_per_s / rate);
    return 0;
}

const BenchmarkRegistrar registrar({"cpu-experts", "[--experts N] [--k K] [--steps S]: CPU FP4 expert batches vs host read bandwidth", run});

}  // namespace
}  // namespace fathom::bench
