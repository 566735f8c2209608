// fathom-bench's registry: each benchmark lives in its own bench_*.cpp, registers itself, and prints its
// figures next to the physical floor measured in the same run.
#pragma once

#include <string>
#include <vector>

namespace fathom::bench {

struct Benchmark {
    std::string name;
    std::string usage;
    int (*run)(const std::vector<std::string>& args);
};

void register_benchmark(Benchmark b);
const std::vector<Benchmark>& benchmarks();

struct BenchmarkRegistrar {
    explicit BenchmarkRegistrar(Benchmark b) { register_benchmark(std::move(b)); }
};

}  // namespace fathom::bench
