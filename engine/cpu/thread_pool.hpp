// ThreadPool: a fixed set of worker threads for the CPU kernels; parallel_for splits a range across them.
// One process-wide pool (all cores by default, FATHOM_THREADS overrides) so kernels never oversubscribe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fathom::cpu {

class ThreadPool {
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return static_cast<int>(workers_.size()) + 1; }
    // Calls fn(begin, end) on disjoint chunks covering [0, n); the caller's thread takes part. Blocks until done.
    void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk = 1);

    static ThreadPool& global();

private:
    void worker_loop(int index);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const std::function<void(int64_t, int64_t)>* job_ = nullptr;
    int64_t job_n_ = 0, job_chunk_ = 1;
    int64_t next_ = 0;
    int active_ = 0;
    uint64_t generation_ = 0;
    bool stop_ = false;
};

inline void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk = 1) {
    ThreadPool::global().parallel_for(n, fn, min_chunk);
}

}  // namespace fathom::cpu
