#include "cpu/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace fathom::cpu {

namespace {

// Set while this thread runs a chunk: a parallel_for from inside one runs inline instead of waiting on the pool
// that is busy with its caller (which would never finish).
thread_local bool in_chunk = false;

inline void relax() {
#if defined(__x86_64__)
    _mm_pause();
#endif
}

}  // namespace

ThreadPool::ThreadPool(int threads, int spin_microseconds) : spin_microseconds_(spin_microseconds) {
    for (int i = 1; i < std::max(threads, 1); ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(sleep_mutex_);
        stop_.store(true);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
}

ThreadPool& ThreadPool::global() {
    // FATHOM_POOL_SPIN_US sets how long idle workers spin before sleeping (0: sleep at once), to compare the two on
    // a given host; a value that is not a number in 0..100000 is ignored.
    static ThreadPool pool(
        [] {
            if (const char* env = std::getenv("FATHOM_THREADS")) {
                int n = std::atoi(env);
                if (n > 0) return n;
            }
            return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        }(),
        [] {
            if (const char* env = std::getenv("FATHOM_POOL_SPIN_US")) {
                char* end = nullptr;
                const long us = std::strtol(env, &end, 10);
                if (end != env && *end == '\0' && us >= 0 && us <= 100000) return static_cast<int>(us);
            }
            return 200;
        }());
    return pool;
}

void ThreadPool::run_chunks() {
    const auto& fn = *job_;
    const int64_t n = job_n_, chunk = job_chunk_;
    for (;;) {
        const int64_t begin = next_.fetch_add(chunk, std::memory_order_relaxed);
        if (begin >= n) return;
        try {
            in_chunk = true;
            fn(begin, std::min(n, begin + chunk));
            in_chunk = false;
        } catch (...) {
            in_chunk = false;
            std::lock_guard g(error_mutex_);
            if (!error_) error_ = std::current_exception();
            next_.store(n, std::memory_order_relaxed);  // the remaining chunks are skipped
        }
    }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk) {
    if (n <= 0) return;
    const int64_t parts = static_cast<int64_t>(size()) * 4;
    const int64_t chunk = std::max<int64_t>(min_chunk, (n + parts - 1) / parts);
    if (workers_.empty() || n <= chunk || in_chunk) {
        fn(0, n);
        return;
    }
    std::lock_guard submit(submit_);
    job_ = &fn;
    job_n_ = n;
    job_chunk_ = chunk;
    error_ = nullptr;
    next_.store(0, std::memory_order_relaxed);
    active_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    bool sleeping;
    {
        std::lock_guard lock(sleep_mutex_);
        generation_.fetch_add(1, std::memory_order_release);
        sleeping = sleepers_ > 0;
    }
    if (sleeping) wake_.notify_all();
    run_chunks();
    // The workers are on their last chunks: wait for them without sleeping.
    for (int spins = 0; active_.load(std::memory_order_acquire) != 0; ++spins) {
        relax();
        if ((spins & 1023) == 1023) std::this_thread::yield();
    }
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
}

void ThreadPool::worker_loop() {
    using Clock = std::chrono::steady_clock;
    uint64_t seen = 0;
    for (;;) {
        // Spin a while for the next job, then sleep until one comes.
        const auto give_up = Clock::now() + std::chrono::microseconds(spin_microseconds_);
        for (int spins = 0; generation_.load(std::memory_order_acquire) == seen && !stop_.load(std::memory_order_relaxed); ++spins) {
            relax();
            if ((spins & 255) == 255) {
                if (Clock::now() >= give_up) break;
                std::this_thread::yield();
            }
        }
        if (generation_.load(std::memory_order_acquire) == seen) {
            std::unique_lock lock(sleep_mutex_);
            ++sleepers_;
            wake_.wait(lock, [&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; });
            --sleepers_;
        }
        if (stop_.load()) return;
        seen = generation_.load(std::memory_order_acquire);
        run_chunks();
        active_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

}  // namespace fathom::cpu
