// Small host-to-GPU copies without stalling the host: the bytes go through a ring of pinned buffers and are copied
// in stream order, so a decode step's positions, token ids and expert row lists cost no synchronisation each.
#pragma once

#include "cuda/device_buffer.hpp"

#include <cuda_runtime.h>

#include <array>
#include <span>

namespace fathom::cuda {

class PinnedUploader {
public:
    PinnedUploader();
    ~PinnedUploader();
    PinnedUploader(const PinnedUploader&) = delete;
    PinnedUploader& operator=(const PinnedUploader&) = delete;

    // A device copy of `bytes` bytes at `src`, enqueued on `stream`; larger than a slot: a plain synchronous copy.
    DeviceBuffer upload(const void* src, size_t bytes, cudaStream_t stream = nullptr);
    template <typename T>
    DeviceBuffer upload(std::span<const T> v, cudaStream_t stream = nullptr) { return upload(v.data(), v.size_bytes(), stream); }

    static constexpr size_t kSlotBytes = size_t{1} << 20;
    static constexpr int kSlots = 64;

private:
    uint8_t* pinned_ = nullptr;
    std::array<cudaEvent_t, kSlots> done_{};
    int next_ = 0;
};

}  // namespace fathom::cuda
