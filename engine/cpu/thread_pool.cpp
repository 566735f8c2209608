#include "cpu/thread_pool.hpp"

#include <algorithm>
#include <cstdlib>

namespace fathom::cpu {

ThreadPool::ThreadPool(int threads) {
    for (int i = 1; i < std::max(threads, 1); ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
}

ThreadPool& ThreadPool::global() {
    static ThreadPool pool([] {
        if (const char* env = std::getenv("FATHOM_THREADS")) {
            int n = std::atoi(env);
            if (n > 0) return n;
        }
        return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }());
    return pool;
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk) {
    if (n <= 0) return;
    const int64_t parts = static_cast<int64_t>(size()) * 4;
    const int64_t chunk = std::max<int64_t>(min_chunk, (n + parts - 1) / parts);
    if (workers_.empty() || n <= chunk) {
        fn(0, n);
        return;
    }
    std::unique_lock lock(mutex_);
    job_ = &fn;
    job_n_ = n;
    job_chunk_ = chunk;
    next_ = 0;
    active_ = static_cast<int>(workers_.size());
    ++generation_;
    lock.unlock();
    wake_.notify_all();
    for (;;) {
        int64_t begin;
        {
            std::lock_guard g(mutex_);
            begin = next_;
            next_ += chunk;
        }
        if (begin >= n) break;
        fn(begin, std::min(n, begin + chunk));
    }
    lock.lock();
    done_.wait(lock, [&] { return active_ == 0; });
    job_ = nullptr;
}

void ThreadPool::worker_loop(int) {
    uint64_t seen = 0;
    for (;;) {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        const auto* fn = job_;
        const int64_t n = job_n_, chunk = job_chunk_;
        for (;;) {
            const int64_t begin = next_;
            next_ += chunk;
            if (begin >= n) break;
            lock.unlock();
            (*fn)(begin, std::min(n, begin + chunk));
            lock.lock();
        }
        if (--active_ == 0) done_.notify_all();
    }
}

}  // namespace fathom::cpu
