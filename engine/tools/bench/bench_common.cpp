#include "bench_common.hpp"

#include "fathom/error.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <new>
#include <thread>

namespace fathom::bench {

std::optional<std::string> flag_value(const std::vector<std::string>& args, const std::string& flag) {
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == flag) {
            if (i + 1 >= args.size()) throw Error(flag + " needs a value");
            return args[i + 1];
        }
        if (args[i].rfind(flag + "=", 0) == 0) return args[i].substr(flag.size() + 1);
    }
    return std::nullopt;
}

double positive_number_flag(const std::vector<std::string>& args, const std::string& flag, double fallback) {
    const auto v = flag_value(args, flag);
    if (!v) return fallback;
    try {
        size_t used = 0;
        const double x = std::stod(*v, &used);
        if (used == v->size() && x > 0) return x;
    } catch (const std::exception&) {
    }
    throw Error(flag + " expects a positive number, found '" + *v + "'");
}

namespace {

// Four independent accumulators let the compiler keep several vector adds in flight.
uint64_t sum_words(const uint64_t* p, size_t n) {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a += p[i];
        b += p[i + 1];
        c += p[i + 2];
        d += p[i + 3];
    }
    for (; i < n; ++i) a += p[i];
    return a + b + c + d;
}

struct FreeAligned {
    void operator()(uint64_t* p) const { ::operator delete[](p, std::align_val_t(4096)); }
};

}  // namespace

ReadBandwidth measure_read_bandwidth(size_t bytes, int threads, int runs) {
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (runs <= 0) throw Error("read bandwidth: runs must be positive");
    const size_t words = bytes / sizeof(uint64_t);
    if (words < static_cast<size_t>(threads) * 512) throw Error("read bandwidth: buffer too small for the thread count");
    std::unique_ptr<uint64_t[], FreeAligned> buffer;
    try {
        buffer.reset(static_cast<uint64_t*>(::operator new[](words * sizeof(uint64_t), std::align_val_t(4096))));
    } catch (const std::bad_alloc&) {
        throw Error("read bandwidth: cannot allocate " + std::to_string(bytes) + " bytes");
    }
    uint64_t* data = buffer.get();
    auto slice = [&](int t) {
        const size_t begin = words * static_cast<size_t>(t) / static_cast<size_t>(threads);
        const size_t end = words * static_cast<size_t>(t + 1) / static_cast<size_t>(threads);
        return std::pair{begin, end};
    };
    auto in_parallel = [&](auto&& body) {
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { body(t); });
        for (auto& th : pool) th.join();
    };
    // Each thread writes the pages it will read, so on multi-socket hosts they sit near it.
    in_parallel([&](int t) {
        auto [begin, end] = slice(t);
        for (size_t i = begin; i < end; ++i) data[i] = i;
    });
    const uint64_t expected = static_cast<uint64_t>(words) * static_cast<uint64_t>(words - 1) / 2;  // wraps like the sum

    std::vector<double> rates;
    std::vector<uint64_t> partial(static_cast<size_t>(threads));
    for (int r = 0; r < runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        in_parallel([&](int t) {
            auto [begin, end] = slice(t);
            partial[static_cast<size_t>(t)] = sum_words(data + begin, end - begin);
        });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        uint64_t total = 0;
        for (uint64_t s : partial) total += s;
        if (total != expected) throw Error("read bandwidth: the buffer's sum is wrong (memory or compiler fault)");
        rates.push_back(static_cast<double>(words * sizeof(uint64_t)) / seconds / 1e9);
    }
    std::sort(rates.begin(), rates.end());
    ReadBandwidth result;
    result.best_gb_per_s = rates.back();
    result.median_gb_per_s = rates[rates.size() / 2];
    result.bytes = words * sizeof(uint64_t);
    result.threads = threads;
    result.runs = runs;
    return result;
}

}  // namespace fathom::bench
