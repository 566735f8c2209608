// fathom-bench membw: host memory read bandwidth (multi-threaded sum over a large buffer, best of several
// runs), the floor for CPU-side expert decoding; other benchmarks call measure_read_bandwidth() directly.
#include "bench_common.hpp"
#include "benchmark.hpp"

#include "fathom/error.hpp"

#include <cmath>
#include <cstdio>
#include <thread>

namespace fathom::bench {
namespace {

int run(const std::vector<std::string>& args) {
    const double gib = positive_number_flag(args, "--gib", 1.0);
    const double threads = positive_number_flag(args, "--threads", std::max(1u, std::thread::hardware_concurrency()));
    const double runs = positive_number_flag(args, "--runs", 5);
    if (threads != std::floor(threads) || runs != std::floor(runs)) throw Error("--threads and --runs take whole numbers");
    const auto bytes = static_cast<size_t>(gib * 1024.0 * 1024.0 * 1024.0);
    const ReadBandwidth bw = measure_read_bandwidth(bytes, static_cast<int>(threads), static_cast<int>(runs));
    std::printf("membw: read %.2f GiB with %d thread(s), %d runs (hardware threads: %u)\n",
                static_cast<double>(bw.bytes) / (1024.0 * 1024.0 * 1024.0), bw.threads, bw.runs,
                std::thread::hardware_concurrency());
    std::printf("membw: best %.2f GB/s, median %.2f GB/s (1 GB = 1e9 bytes)\n", bw.best_gb_per_s, bw.median_gb_per_s);
    return 0;
}

const BenchmarkRegistrar registrar({"membw", "[--gib N] [--threads T] [--runs R]: host memory read bandwidth, GB/s", run});

}  // namespace
}  // namespace fathom::bench
