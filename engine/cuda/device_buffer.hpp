// DeviceBuffer: one device allocation owned by RAII, with typed upload/download helpers. Allocations are
// stream-ordered from CUDA's memory pool (freed memory is reused, not returned), so the many short-lived buffers
// of a forward pass cost no cudaMalloc each. Allocation failures throw fathom::Error naming the size, never abort.
#pragma once

#include "cuda/cuda_error.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace fathom::cuda {

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
        if (bytes == 0) return;
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
    DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        if (this != &o) {
            release();
            ptr_ = std::exchange(o.ptr_, nullptr);
            bytes_ = std::exchange(o.bytes_, 0);
        }
        return *this;
    }
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
};

}  // namespace fathom::cuda
