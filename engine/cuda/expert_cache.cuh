// Routed experts kept in host RAM (pinned copies, or the mapped checkpoint) and the GPU slots that cache the hot
// ones: one expert's six arrays (w1, w3, w2 with their scales) packed into a slot, copied over PCIe as one piece.
#pragma once

#include "cpu/moe.hpp"
#include "cuda/device_buffer.hpp"
#include "cuda/device_weight.hpp"

#include <cuda_runtime.h>

#include <array>
#include <functional>
#include <memory>
#include <vector>

namespace fathom::cuda {

// Byte offsets of an expert's arrays inside its packed form (the same in host and GPU slots).
struct ExpertLayout {
    std::array<size_t, 6> offset{}, bytes{};  // w1 data, w1 scale, w3 data, w3 scale, w2 data, w2 scale
    size_t total = 0;
    static ExpertLayout of(const cpu::ExpertWeights& e);
};

class HostExpertStore {
public:
    // experts[layer][e]: the checkpoint views. pinned: copy every expert into page-locked RAM (progress per byte);
    // else keep reading the mapped checkpoint, staging each copy through a small pinned buffer.
    HostExpertStore(const std::vector<const std::vector<cpu::ExpertWeights>*>& experts, bool pinned,
                    const std::function<void(uint64_t, uint64_t)>& on_progress);
    ~HostExpertStore();
    HostExpertStore(const HostExpertStore&) = delete;
    HostExpertStore& operator=(const HostExpertStore&) = delete;

    bool pinned() const { return pinned_; }
    const ExpertLayout& layout() const { return layout_; }
    uint64_t host_bytes() const { return pinned_bytes_; }
    // The weights the CPU reads for (layer, e): the pinned copy, or the checkpoint views.
    const cpu::ExpertWeights& cpu_weights(int64_t layer, int64_t e) const { return cpu_[layer][e]; }
    // Enqueues the copy of (layer, e) into `device_dst` (layout().total bytes) on `stream`. Mapped mode first packs
    // the expert into one of two pinned staging buffers (waiting until that buffer's previous copy is done).
    void copy_to_device(int64_t layer, int64_t e, uint8_t* device_dst, cudaStream_t stream);

private:
    bool pinned_;
    ExpertLayout layout_;
    std::vector<std::vector<cpu::ExpertWeights>> cpu_;
    std::vector<uint8_t*> pinned_layers_;  // pinned mode: per layer, E packed experts
    uint64_t pinned_bytes_ = 0;
    std::array<uint8_t*, 2> staging_{};
    std::array<cudaEvent_t, 2> staging_free_{};
    int next_staging_ = 0;
};

// The GPU side: `slots` packed experts in one allocation, each with an event that says its last copy finished.
class GpuExpertSlots {
public:
    GpuExpertSlots(int64_t slots, const ExpertLayout& layout, const cpu::ExpertWeights& shape);
    ~GpuExpertSlots();
    GpuExpertSlots(const GpuExpertSlots&) = delete;
    GpuExpertSlots& operator=(const GpuExpertSlots&) = delete;

    int64_t count() const { return slots_; }
    uint8_t* slot(int64_t s) const { return buffer_.as<uint8_t>() + static_cast<size_t>(s) * stride_; }
    // w1, w2, w3 views of a packed expert at `base` (a slot or a staging buffer on the device).
    std::array<DeviceWeightView, 3> views(const uint8_t* base) const;
    cudaEvent_t ready_event(int64_t s) const { return ready_[s]; }
    size_t bytes() const { return buffer_.bytes(); }

private:
    int64_t slots_;
    size_t stride_;
    ExpertLayout layout_;
    DeviceWeightView w1_, w2_, w3_;  // shapes and formats; data pointers filled per base
    DeviceBuffer buffer_;
    std::vector<cudaEvent_t> ready_;
};

}  // namespace fathom::cuda
