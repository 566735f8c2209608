#include "cuda/pinned_upload.cuh"

#include <cstring>

namespace fathom::cuda {

PinnedUploader::PinnedUploader() {
    FATHOM_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&pinned_), kSlotBytes * kSlots, cudaHostAllocDefault));
    for (auto& e : done_) FATHOM_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
}

PinnedUploader::~PinnedUploader() {
    cudaDeviceSynchronize();
    for (auto e : done_)
        if (e) cudaEventDestroy(e);
    if (pinned_) cudaFreeHost(pinned_);
}

DeviceBuffer PinnedUploader::upload(const void* src, size_t bytes, cudaStream_t stream) {
    DeviceBuffer d(bytes);
    if (bytes == 0) return d;
    if (bytes > kSlotBytes) {
        FATHOM_CUDA_CHECK(cudaMemcpy(d.as<uint8_t>(), src, bytes, cudaMemcpyHostToDevice));
        return d;
    }
    const int slot = next_;
    next_ = (next_ + 1) % kSlots;
    // The slot's previous copy was enqueued kSlots uploads ago; it is almost always finished.
    FATHOM_CUDA_CHECK(cudaEventSynchronize(done_[slot]));
    uint8_t* host = pinned_ + static_cast<size_t>(slot) * kSlotBytes;
    std::memcpy(host, src, bytes);
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(d.as<uint8_t>(), host, bytes, cudaMemcpyHostToDevice, stream));
    FATHOM_CUDA_CHECK(cudaEventRecord(done_[slot], stream));
    return d;
}

}  // namespace fathom::cuda
