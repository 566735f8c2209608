// fathom-bench snapshot: for prefixes of N tokens, the prefill time against the size of the session snapshot and
// the time to store it in and restore it from a SQLite prefix cache (what reopening a document costs instead).
#include "../backend_choice.hpp"
#include "bench_common.hpp"
#include "benchmark.hpp"

#include "fathom/error.hpp"
#include "runtime/forward_backend.hpp"
#include "runtime/model.hpp"
#include "storage/prefix_cache_store.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>

namespace fathom::bench {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int run(const std::vector<std::string>& args) {
    const auto dir = flag_value(args, "--model");
    if (!dir) throw Error("usage: fathom-bench snapshot --model DIR [--tokens 1024,8192] [--device cpu|cuda] [--chunk C] [--db FILE]");
    std::vector<int64_t> lengths;
    {
        std::stringstream ss(flag_value(args, "--tokens").value_or("1024,8192"));
        for (std::string item; std::getline(ss, item, ',');) lengths.push_back(std::stoll(item));
    }
    const std::string db_path = flag_value(args, "--db").value_or((std::filesystem::temp_directory_path() / "fathom-bench-snapshot.db").string());
    runtime::Model model(Checkpoint::open(*dir));
    const auto& c = model.config();
    const std::string device = flag_value(args, "--device").value_or("cpu");
    const std::unique_ptr<ForwardBackend> backend = tools::make_backend(device, model);
    const auto chunk = static_cast<int64_t>(positive_number_flag(args, "--chunk", 512));
    std::printf("model %s (%lld blocks, d=%lld) on %s; cache db %s\n", dir->c_str(), static_cast<long long>(c.num_hidden_layers),
                static_cast<long long>(c.hidden_size), backend->name().c_str(), db_path.c_str());
    std::printf("%8s %10s %12s %10s %10s %10s %14s\n", "tokens", "prefill s", "snapshot MB", "store s", "restore s", "B/token", "restore/prefill");
    std::mt19937 rng(5);
    const int64_t hc = c.hc_mult, d = c.hidden_size, L = backend->num_blocks();
    for (int64_t n : lengths) {
        std::vector<int64_t> tokens(static_cast<size_t>(n));
        for (auto& t : tokens) t = static_cast<int64_t>(rng() % static_cast<uint64_t>(c.vocab_size));
        for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + s);
        std::vector<std::unique_ptr<BlockCache>> caches;
        for (int64_t k = 0; k < L; ++k) caches.push_back(backend->new_cache(k));
        std::vector<float> logits(static_cast<size_t>(c.vocab_size));
        auto t0 = Clock::now();
        for (int64_t b = 0; b < n; b += chunk) {
            const int64_t m = std::min(chunk, n - b);
            std::vector<float> h(static_cast<size_t>(m * hc * d));
            backend->embed(tokens.data() + b, m, h.data());
            for (int64_t k = 0; k < L; ++k) backend->run_block(k, *caches[k], tokens.data() + b, m, h.data(), nullptr);
            if (b + m == n) backend->head(h.data() + (m - 1) * hc * d, 1, logits.data());
        }
        const double prefill_s = since(t0);
        t0 = Clock::now();
        const auto snap = backend->snapshot(caches, tokens);
        {
            storage::Database db(db_path);
            storage::PrefixCacheStore store(db, int64_t{200} << 30);
            store.put(model.fingerprint().hex(), tokens, snap);
        }
        const double store_s = since(t0);
        caches.clear();
        t0 = Clock::now();
        storage::Database db(db_path);
        storage::PrefixCacheStore store(db, int64_t{200} << 30);
        auto hit = store.longest_prefix(model.fingerprint().hex(), tokens);
        if (!hit) throw Error("the snapshot just stored was not found");
        std::vector<int64_t> restored_tokens;
        caches = backend->restore(hit->snapshot, restored_tokens);
        const double restore_s = since(t0);
        if (restored_tokens != tokens) throw Error("the restored snapshot holds other tokens");
        std::printf("%8lld %10.2f %12.1f %10.3f %10.3f %10.0f %13.2f%%\n", static_cast<long long>(n), prefill_s, snap.size() / 1e6,
                    store_s, restore_s, static_cast<double>(snap.size()) / n, 100.0 * restore_s / prefill_s);
        std::fflush(stdout);
    }
    return 0;
}

const BenchmarkRegistrar registrar({"snapshot", "--model DIR [--tokens N,M] [--device cpu|cuda] [--chunk C] [--db FILE]: prefill vs snapshot size, store and restore", run});

}  // namespace
}  // namespace fathom::bench
