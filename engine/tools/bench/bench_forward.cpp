// fathom-bench forward: CPU prefill and decode tokens/s for a checkpoint, beside the decode floor measured in the
// same run: the bytes one decode step must read (every dense weight, the active experts, the head) over the
// host memory read bandwidth.
#include "bench_common.hpp"
#include "benchmark.hpp"
#include "forward_bytes.hpp"

#include "cpu/fp4_bf16_rows.hpp"
#include "cpu/linear_amx.hpp"
#include "cpu/linear_kernels.hpp"
#include "fathom/error.hpp"
#include "runtime/model.hpp"

#include <chrono>
#include <cstdio>
#include <random>

namespace fathom::bench {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int run(const std::vector<std::string>& args) {
    const auto dir = flag_value(args, "--model");
    if (!dir) throw Error("usage: fathom-bench forward --model DIR [--prefill N] [--decode N]");
    const auto prefill = static_cast<int64_t>(positive_number_flag(args, "--prefill", 256));
    const auto steps = static_cast<int64_t>(positive_number_flag(args, "--decode", 32));

    auto t0 = Clock::now();
    runtime::Model model(Checkpoint::open(*dir));
    const double load_s = since(t0);
    const auto& c = model.config();
    std::mt19937 rng(1);
    std::vector<int64_t> tokens(static_cast<size_t>(prefill + steps));
    for (auto& t : tokens) t = static_cast<int64_t>(rng() % static_cast<uint64_t>(c.vocab_size));

    const uint64_t step_bytes = decode_step_bytes(model);
    const ReadBandwidth bw = measure_read_bandwidth(size_t{1} << 30, 0, 5);
    std::printf("model %s: %lld blocks, d=%lld, %lld experts (top-%lld); threads %d\n", dir->c_str(),
                static_cast<long long>(c.num_hidden_layers), static_cast<long long>(c.hidden_size),
                static_cast<long long>(c.n_routed_experts), static_cast<long long>(c.num_experts_per_tok), bw.threads);
    std::printf("open + map: %.2f s; host read bandwidth (same run): %.1f GB/s\n", load_s, bw.best_gb_per_s);
    std::printf("CPU kernels: %s; experts' BF16 dot products: %s; AMX tiles for prefill: %s\n", cpu::active_kernels().name,
                cpu::fp4_bf16_available() ? "yes" : "no", cpu::amx_usable() ? "yes" : "no");

    runtime::Session s(model);
    std::vector<float> logits(static_cast<size_t>(c.vocab_size));
    // Page every weight in first so the figures measure compute, not reads from disk (a model larger than the
    // page cache cannot be benchmarked this way: the figures would then be disk-bound, and this says so).
    t0 = Clock::now();
    uint8_t acc = 0;
    uint64_t touched = 0;
    for (const auto& name : model.checkpoint().tensor_names()) {
        const auto bytes = model.checkpoint().tensor(name).bytes;
        for (size_t off = 0; off < bytes.size(); off += 4096) acc ^= bytes[off];
        touched += bytes.size();
    }
    volatile uint8_t sink = acc;
    (void)sink;
    std::printf("paged in %.2f GB of weights in %.1f s\n", touched / 1e9, since(t0));
    { runtime::Session warm(model); warm.prefill(tokens.data(), 1, logits.data()); }
    t0 = Clock::now();
    s.prefill(tokens.data(), prefill, logits.data());
    const double prefill_s = since(t0);
    t0 = Clock::now();
    for (int64_t i = 0; i < steps; ++i) s.decode(tokens[prefill + i], logits.data());
    const double decode_s = since(t0);

    const double decode_tps = steps / decode_s;
    const double floor_tps = bw.best_gb_per_s * 1e9 / static_cast<double>(step_bytes);
    std::printf("prefill %lld tokens: %.2f s, %.1f tokens/s\n", static_cast<long long>(prefill), prefill_s, prefill / prefill_s);
    std::printf("decode %lld steps after %lld tokens: %.1f tokens/s (%.1f ms/token)\n", static_cast<long long>(steps),
                static_cast<long long>(prefill), decode_tps, 1e3 / decode_tps);
    std::printf("decode floor: %.1f MB read per token / %.1f GB/s = %.1f tokens/s; measured is %.2fx the floor's time\n",
                step_bytes / 1e6, bw.best_gb_per_s, floor_tps, floor_tps / decode_tps);
    return 0;
}

const BenchmarkRegistrar registrar({"forward", "--model DIR [--prefill N] [--decode N]: CPU prefill/decode tokens/s vs the memory floor", run});

}  // namespace
}  // namespace fathom::bench
