// ThreadPool: a fixed set of worker threads for the CPU kernels; parallel_for splits a range across them.
// One process-wide pool (all cores by default, FATHOM_THREADS overrides) so kernels never oversubscribe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fathom::cpu {

class ThreadPool {
public:
    // Workers that finished a job spin for `spin_microseconds` before sleeping: a decode step issues hundreds of
    // parallel_for calls microseconds apart, and waking sleeping threads costs tens of microseconds each time.
    explicit ThreadPool(int threads, int spin_microseconds = 200);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return static_cast<int>(workers_.size()) + 1; }
    // Calls fn(begin, end) on disjoint chunks covering [0, n); the caller's thread takes part. Blocks until done.
    // An exception thrown by fn (on any thread) is rethrown here once every chunk has finished or been skipped.
    void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk = 1);

    static ThreadPool& global();

private:
    void worker_loop();
    void run_chunks();

    std::vector<std::thread> workers_;
    const int spin_microseconds_;
    std::mutex submit_;              // one parallel_for at a time
    std::mutex sleep_mutex_;         // guards sleepers_ and the sleeping side of generation_
    std::condition_variable wake_;
    int sleepers_ = 0;
    std::atomic<uint64_t> generation_{0};
    std::atomic<bool> stop_{false};
    // The current job: written before generation_ moves on, read by workers after they see it move.
    const std::function<void(int64_t, int64_t)>* job_ = nullptr;
    int64_t job_n_ = 0, job_chunk_ = 1;
    std::atomic<int64_t> next_{0};
    std::atomic<int> active_{0};     // workers still on the current job
    std::mutex error_mutex_;
    std::exception_ptr error_;
};

inline void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk = 1) {
    ThreadPool::global().parallel_for(n, fn, min_chunk);
}

}  // namespace fathom::cpu
