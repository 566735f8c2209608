// Helpers shared by fathom-bench benchmarks: flag parsing and the host memory read bandwidth that benchmarks
// print as their floor (a decode step cannot stream weights faster than memory delivers them).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace fathom::bench {

// --flag VALUE or --flag=VALUE; nullopt when absent. Throws fathom::Error when the flag has no value.
std::optional<std::string> flag_value(const std::vector<std::string>& args, const std::string& flag);
// The flag as a positive number, or `fallback` when absent; throws fathom::Error naming the flag otherwise.
double positive_number_flag(const std::vector<std::string>& args, const std::string& flag, double fallback);

struct ReadBandwidth {
    double best_gb_per_s = 0;    // 1e9 bytes per second, best run
    double median_gb_per_s = 0;
    size_t bytes = 0;            // buffer size read per run
    int threads = 0;
    int runs = 0;
};

// Sums a `bytes` buffer of 64-bit words with `threads` threads (0 = all hardware threads), `runs` times,
// each thread over its own slice (which it also first-touched); checks the sum so the reads cannot be
// optimised away. Throws fathom::Error on bad arguments or when the buffer cannot be allocated.
ReadBandwidth measure_read_bandwidth(size_t bytes, int threads = 0, int runs = 5);

}  // namespace fathom::bench
