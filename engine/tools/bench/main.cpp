// fathom-bench: runs the named benchmark (or lists them). Each prints figures beside their physical floors.
#include "benchmark.hpp"

#include "fathom/error.hpp"

#include <cstdio>
#include <exception>

namespace fathom::bench {
static std::vector<Benchmark>& registry() {
    static std::vector<Benchmark> r;
    return r;
}
void register_benchmark(Benchmark b) { registry().push_back(std::move(b)); }
const std::vector<Benchmark>& benchmarks() { return registry(); }
}  // namespace fathom::bench

int main(int argc, char** argv) {
    using namespace fathom::bench;
    if (argc < 2) {
        std::fprintf(stderr, "usage: fathom-bench NAME [ARGS]\n\nbenchmarks:\n");
        for (const auto& b : benchmarks()) std::fprintf(stderr, "  %-12s %s\n", b.name.c_str(), b.usage.c_str());
        return 2;
    }
    for (const auto& b : benchmarks()) {
        if (b.name != argv[1]) continue;
        try {
            return b.run(std::vector<std::string>(argv + 2, argv + argc));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "fathom-bench %s: %s\n", argv[1], e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "fathom-bench: unknown benchmark '%s'\n", argv[1]);
    return 2;
}
