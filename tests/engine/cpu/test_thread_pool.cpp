#include "cpu/thread_pool.hpp"
#include "fathom/error.hpp"
#include "unit.hpp"

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace fathom::cpu;

TEST("parallel_for covers every index exactly once, call after call") {
    ThreadPool pool(4, 200);
    std::vector<std::atomic<int>> hits(1000);
    for (int round = 0; round < 500; ++round) {
        const int64_t n = 1 + (round * 37) % 1000;
        pool.parallel_for(n, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
        });
        for (int64_t i = 0; i < 1000; ++i) {
            const int want = i < n ? 1 : 0;
            if (hits[static_cast<size_t>(i)].load() != want) {
                CHECK_EQ(hits[static_cast<size_t>(i)].load(), want);
                return;
            }
            hits[static_cast<size_t>(i)].store(0);
        }
    }
}

TEST("workers asleep after their spin still wake for the next job") {
    ThreadPool pool(3, 50);
    for (int round = 0; round < 5; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // past the spin: every worker sleeps
        std::atomic<int64_t> sum{0};
        pool.parallel_for(100, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) sum += i;
        });
        CHECK_EQ(sum.load(), int64_t{4950});
    }
}

TEST("an exception in a chunk reaches the caller after the others finish, and the pool stays usable") {
    ThreadPool pool(4, 200);
    std::atomic<int> running{0};
    CHECK_THROWS_WITH(pool.parallel_for(64, [&](int64_t b, int64_t) {
        ++running;
        if (b == 32) throw fathom::Error("chunk 32 failed");
        --running;
    }), "chunk 32 failed");
    CHECK_EQ(running.load(), 1);  // only the failing chunk did not finish; no chunk was still running
    std::atomic<int64_t> count{0};
    pool.parallel_for(64, [&](int64_t b, int64_t e) { count += e - b; });
    CHECK_EQ(count.load(), int64_t{64});
}

TEST("two threads submitting at once each get their whole range") {
    ThreadPool pool(3, 200);
    std::atomic<int64_t> a{0}, b{0};
    std::thread other([&] {
        for (int i = 0; i < 200; ++i) pool.parallel_for(50, [&](int64_t s, int64_t e) { a += e - s; });
    });
    for (int i = 0; i < 200; ++i) pool.parallel_for(70, [&](int64_t s, int64_t e) { b += e - s; });
    other.join();
    CHECK_EQ(a.load(), int64_t{200 * 50});
    CHECK_EQ(b.load(), int64_t{200 * 70});
}

TEST("a parallel_for inside a chunk runs inline instead of deadlocking") {
    ThreadPool pool(3, 200);
    std::atomic<int64_t> inner{0};
    pool.parallel_for(8, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) pool.parallel_for(10, [&](int64_t s, int64_t f) { inner += f - s; });
    });
    CHECK_EQ(inner.load(), int64_t{80});
}

UNIT_MAIN()
