// fathom-bench gpu-forward: the CUDA forward pass on a checkpoint: load (upload) time, prefill tokens/s at several
// lengths, decode tokens/s at several context lengths, GPU memory used; decode beside its floor (bytes per step
// over the HBM bandwidth measured in the same run), prefill beside its FLOPs over the measured FP8 matrix rate.
#include "bench_common.hpp"
#include "benchmark.hpp"
#include "forward_bytes.hpp"
#include "gpu_bandwidth.cuh"

#include "cuda/cuda_backend.hpp"
#include "cuda/device_buffer.hpp"
#include "runtime/model.hpp"
#include "../backend_choice.hpp"

#include <chrono>
#include <cuda_profiler_api.h>
#include <cstdio>
#include <random>
#include <sstream>

namespace fathom::bench {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }


int run(const std::vector<std::string>& args) {
    const auto dir = flag_value(args, "--model");
    if (!dir) throw Error("usage: fathom-bench gpu-forward --model DIR [--chunk N] [--contexts 1024,8192,32768] [--profile prefill|decode]");
    const auto chunk = static_cast<int64_t>(positive_number_flag(args, "--chunk", 1024));
    const double hbm = hbm_bandwidth_gb_per_s();
    const double fp8_rate = fp8_matrix_tflops(), bf16_rate = bf16_matrix_tflops();
    // --profile prefill|decode brackets that phase with cudaProfilerStart/Stop (ncu --profile-from-start off).
    const std::string profile = flag_value(args, "--profile").value_or("");
    auto profiled = [&](const char* phase, bool on) {
        if (profile != phase) return;
        if (on) FATHOM_CUDA_CHECK(cudaProfilerStart());
        else FATHOM_CUDA_CHECK(cudaProfilerStop());
    };

    auto t0 = Clock::now();
    runtime::Model model(Checkpoint::open(*dir));
    const double open_s = since(t0);
    size_t free0 = 0, total = 0;
    FATHOM_CUDA_CHECK(cudaMemGetInfo(&free0, &total));
    t0 = Clock::now();
    auto gpu = cuda::make_cuda_backend(model, {}, tools::cuda_options_from_env());
    const double upload_s = since(t0);
    size_t free1 = 0;
    FATHOM_CUDA_CHECK(cudaMemGetInfo(&free1, &total));
    const auto& c = model.config();
    const uint64_t step_bytes = decode_step_bytes(model);
    std::printf("GPU %s; model %s: %lld blocks, d=%lld, %lld experts\n", gpu->name().c_str(), dir->c_str(),
                static_cast<long long>(c.num_hidden_layers), static_cast<long long>(c.hidden_size), static_cast<long long>(c.n_routed_experts));
    std::printf("load: open+validate %.2f s, upload %.2f s; GPU memory for weights %.2f GiB; HBM bandwidth (d2d copy) %.0f GB/s\n",
                open_s, upload_s, (free0 - free1) / 1073741824.0, hbm);

    std::mt19937 rng(1);
    const int64_t hc = c.hc_mult, d = c.hidden_size, L = gpu->num_blocks();
    std::printf("tensor-core matrix rates (cuBLASLt, 8192^3, measured now): FP8 block-scaled %.0f TFLOP/s, bf16 %.0f TFLOP/s\n",
                fp8_rate, bf16_rate);
    std::printf("prefill floor: its FLOPs over the FP8 rate; 'of FP8' = the achieved FLOP rate as a share of it\n");
    std::printf("%-26s %12s %14s %12s %8s %9s\n", "phase", "tokens/s", "ms/token", "floor ms", "ratio", "of FP8");
    std::vector<int64_t> contexts;
    {
        std::stringstream in(flag_value(args, "--contexts").value_or("1024,8192"));
        std::string item;
        while (std::getline(in, item, ',')) contexts.push_back(std::stoll(item));
    }
    for (int64_t context : contexts) {
        std::vector<int64_t> tokens(static_cast<size_t>(context + 40));
        for (auto& t : tokens) t = static_cast<int64_t>(rng() % static_cast<uint64_t>(c.vocab_size));
        std::vector<std::unique_ptr<BlockCache>> caches;
        for (int64_t k = 0; k < L; ++k) caches.push_back(gpu->new_cache(k));
        std::vector<float> logits(static_cast<size_t>(c.vocab_size));
        auto feed = [&](int64_t b, int64_t n, bool head) { gpu->forward(caches, tokens.data() + b, n, head ? logits.data() : nullptr, hc * d); };
        t0 = Clock::now();
        profiled("prefill", true);
        for (int64_t b = 0; b < context; b += chunk) feed(b, std::min(chunk, context - b), b + chunk >= context);
        FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
        profiled("prefill", false);
        const double prefill_s = since(t0);
        const double flops = prefill_flops(model, 0, context), floor_s = flops / (fp8_rate * 1e12);
        std::printf("prefill %-18lld %12.1f %14.3f %12.4f %8.1f %8.1f%%\n", static_cast<long long>(context), context / prefill_s,
                    1e3 * prefill_s / context, 1e3 * floor_s / context, prefill_s / floor_s, 100.0 * floor_s / prefill_s);
        // Warm-up steps first: with decode graphs on, the first records the step the others replay.
        const int warmup = 8, steps = 32;
        for (int i = 0; i < warmup; ++i) feed(context + i, 1, true);
        t0 = Clock::now();
        profiled("decode", true);
        for (int i = 0; i < steps; ++i) feed(context + warmup + i, 1, true);
        FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
        profiled("decode", false);
        const double decode_s = since(t0) / steps;
        const double floor_ms = step_bytes / (hbm * 1e9) * 1e3;
        std::printf("decode at %-16lld %12.1f %14.3f %12.3f %8.1f %9s\n", static_cast<long long>(context), 1.0 / decode_s,
                    decode_s * 1e3, floor_ms, decode_s * 1e3 / floor_ms, "-");
    }
    std::printf("decode floor: %.1f MB read per step over %.0f GB/s\n", step_bytes / 1e6, hbm);
    const StepStats st = gpu->step_stats();
    std::printf("steps: %llu launched kernel by kernel, %llu replayed as CUDA graphs (%llu recorded)%s\n",
                static_cast<unsigned long long>(st.eager_steps), static_cast<unsigned long long>(st.graph_replays),
                static_cast<unsigned long long>(st.graph_recordings), st.graph_replays ? "" : " (FATHOM_CUDA_GRAPHS=1 turns them on)");
    return 0;
}

const BenchmarkRegistrar registrar({"gpu-forward", "--model DIR [--chunk N] [--contexts A,B]: CUDA prefill/decode tokens/s vs the HBM floor", run});

}  // namespace
}  // namespace fathom::bench
