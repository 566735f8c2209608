// DeviceBuffer: one device allocation owned by RAII, with typed upload/download helpers. Allocations are
// stream-ordered from CUDA's memory pool (freed memory is reused, not returned), so the many short-lived buffers
// of a forward pass cost no cudaMalloc each. Allocation failures throw fathom::Error naming the size, never abort.
// While a ScratchArena is active on the thread (a decode step being recorded as a CUDA graph), buffers are carved
// from it instead: a graph may not allocate, and the arena's addresses stay valid for the graph's replay.
#pragma once

#include "cuda/cuda_error.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace fathom::cuda {

// One preallocated device block handed out front to back; reset() makes all of it free again. Not thread-safe:
// it is active on one thread at a time (ScratchArena::Scope).
class ScratchArena {
public:
    explicit ScratchArena(size_t bytes) : bytes_(bytes) {
        const cudaError_t status = cudaMalloc(&base_, bytes);
        if (status != cudaSuccess) {
            cudaGetLastError();
            throw Error("cannot allocate a " + std::to_string(bytes >> 20) + " MiB scratch arena on the GPU: " + cudaGetErrorString(status));
        }
    }
    ~ScratchArena() { cudaFree(base_); }
    ScratchArena(const ScratchArena&) = delete;
    ScratchArena& operator=(const ScratchArena&) = delete;

    void* take(size_t bytes) {
        const size_t aligned = (bytes + 255) & ~size_t{255};  // 256 bytes: what cudaMalloc and cuBLASLt promise
        if (used_ + aligned > bytes_)
            throw Error("the GPU scratch arena of " + std::to_string(bytes_ >> 20) + " MiB is too small for this step (" +
                        std::to_string((used_ + aligned) >> 20) + " MiB asked)");
        void* p = static_cast<uint8_t*>(base_) + used_;
        used_ += aligned;
        return p;
    }
    void reset() { used_ = 0; }
    size_t used() const { return used_; }
    size_t bytes() const { return bytes_; }

    static ScratchArena*& active() {
        thread_local ScratchArena* arena = nullptr;
        return arena;
    }
    // Makes `arena` the thread's source of DeviceBuffers until the scope ends.
    class Scope {
    public:
        explicit Scope(ScratchArena& arena) : previous_(std::exchange(active(), &arena)) {}
        ~Scope() { active() = previous_; }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

    private:
        ScratchArena* previous_;
    };

private:
    void* base_ = nullptr;
    size_t bytes_ = 0, used_ = 0;
};

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
        if (bytes == 0) return;
        if (ScratchArena* arena = ScratchArena::active()) {
            ptr_ = arena->take(bytes);
            from_arena_ = true;
            return;
        }
        keep_pool_memory();
        const cudaError_t status = cudaMallocAsync(&ptr_, bytes, nullptr);
        if (status != cudaSuccess) {
            cudaGetLastError();
            throw Error("cannot allocate " + std::to_string(bytes >> 20) + " MiB on the GPU: " + cudaGetErrorString(status));
        }
        live() += static_cast<int64_t>(bytes);
    }
    ~DeviceBuffer() { release(); }
    // Bytes held by all DeviceBuffers now (the pool may hold more: freed memory stays with it for reuse).
    static int64_t live_bytes() { return live().load(); }
    DeviceBuffer(DeviceBuffer&& o) noexcept
        : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)), from_arena_(std::exchange(o.from_arena_, false)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        if (this != &o) {
            release();
            ptr_ = std::exchange(o.ptr_, nullptr);
            bytes_ = std::exchange(o.bytes_, 0);
            from_arena_ = std::exchange(o.from_arena_, false);
        }
        return *this;
    }
    // Scratch memory of a recorded step: must not be kept past the step (persistent state is allocated outside).
    bool from_arena() const { return from_arena_; }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    template <typename T>
    T* as() const { return static_cast<T*>(ptr_); }
    size_t bytes() const { return bytes_; }

    template <typename T>
    static DeviceBuffer from(std::span<const T> host) {
        DeviceBuffer b(host.size_bytes());
        if (!host.empty()) FATHOM_CUDA_CHECK(cudaMemcpy(b.ptr_, host.data(), host.size_bytes(), cudaMemcpyHostToDevice));
        return b;
    }
    template <typename T>
    std::vector<T> to_host() const {
        std::vector<T> v(bytes_ / sizeof(T));
        if (!v.empty()) FATHOM_CUDA_CHECK(cudaMemcpy(v.data(), ptr_, v.size() * sizeof(T), cudaMemcpyDeviceToHost));
        return v;
    }

private:
    static std::atomic<int64_t>& live() {
        static std::atomic<int64_t> bytes{0};
        return bytes;
    }
    void release() {
        if (!ptr_) return;
        if (from_arena_) {
            ptr_ = nullptr;
            from_arena_ = false;
            return;
        }
        cudaFreeAsync(ptr_, nullptr);
        live() -= static_cast<int64_t>(bytes_);
        ptr_ = nullptr;
    }
    // The pool keeps freed memory for reuse instead of releasing it at every synchronisation.
    static void keep_pool_memory() {
        static const bool done = [] {
            int device = 0;
            cudaMemPool_t pool;
            if (cudaGetDevice(&device) == cudaSuccess && cudaDeviceGetDefaultMemPool(&pool, device) == cudaSuccess) {
                uint64_t threshold = UINT64_MAX;
                cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold);
            }
            cudaGetLastError();
            return true;
        }();
        (void)done;
    }

    void* ptr_ = nullptr;
    size_t bytes_ = 0;
    bool from_arena_ = false;
};

}  // namespace fathom::cuda
