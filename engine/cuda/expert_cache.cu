#include "cuda/expert_cache.cuh"

#include "cpu/thread_pool.hpp"

#include <cstring>

namespace fathom::cuda {

namespace {

std::pair<size_t, size_t> part_bytes(const cpu::Weight& w) {
    if (w.row0 != 0 || !w.owned.empty()) throw Error("expert offload: an expert weight must be a whole checkpoint tensor");
    const auto out = static_cast<size_t>(w.out), in = static_cast<size_t>(w.in), sc = static_cast<size_t>(w.scale_cols);
    switch (w.format) {
        case cpu::WeightFormat::Fp4Group32: return {out * in / 2, out * sc};
        case cpu::WeightFormat::Fp8Block128: return {out * in, (out + 127) / 128 * sc};
        case cpu::WeightFormat::Bf16: return {out * in * 2, 0};
        case cpu::WeightFormat::F32: return {out * in * 4, 0};
    }
    throw Error("expert offload: unknown weight format");
}

const cpu::Weight& part_weight(const cpu::ExpertWeights& e, int i) { return i < 2 ? e.w1 : (i < 4 ? e.w3 : e.w2); }
const uint8_t* part_source(const cpu::ExpertWeights& e, int i) {
    const cpu::Weight& w = part_weight(e, i);
    return i % 2 == 0 ? w.data : w.scale;
}

void pack(const cpu::ExpertWeights& e, const ExpertLayout& l, uint8_t* dst) {
    for (int i = 0; i < 6; ++i)
        if (l.bytes[i]) std::memcpy(dst + l.offset[i], part_source(e, i), l.bytes[i]);
}

// A view of the packed expert at `base` with the checkpoint weight's shape.
cpu::Weight repoint(const cpu::Weight& w, const uint8_t* data, const uint8_t* scale) {
    cpu::Weight r = w;
    r.data = data;
    r.scale = scale;
    return r;
}

}  // namespace

ExpertLayout ExpertLayout::of(const cpu::ExpertWeights& e) {
    ExpertLayout l;
    size_t at = 0;
    for (int i = 0; i < 6; ++i) {
        const auto [data, scale] = part_bytes(part_weight(e, i));
        l.bytes[i] = i % 2 == 0 ? data : scale;
        l.offset[i] = at;
        at += (l.bytes[i] + 255) / 256 * 256;  // aligned for vector loads
    }
    l.total = at;
    return l;
}

HostExpertStore::HostExpertStore(const std::vector<const std::vector<cpu::ExpertWeights>*>& experts, bool pinned,
                                 const std::function<void(uint64_t, uint64_t)>& on_progress)
    : pinned_(pinned) {
    if (experts.empty() || experts.front()->empty()) throw Error("expert offload: the model has no routed experts");
    layout_ = ExpertLayout::of(experts.front()->front());
    const auto E = static_cast<int64_t>(experts.front()->size());
    const uint64_t total = static_cast<uint64_t>(experts.size()) * static_cast<uint64_t>(E) * layout_.total;
    uint64_t done = 0;
    for (const auto* layer : experts) {
        if (static_cast<int64_t>(layer->size()) != E) throw Error("expert offload: layers differ in their number of experts");
        for (const auto& e : *layer)
            if (ExpertLayout::of(e).total != layout_.total) throw Error("expert offload: experts differ in shape or format");
        if (!pinned_) {
            cpu_.push_back(*layer);
            continue;
        }
        uint8_t* host = nullptr;
        const size_t bytes = static_cast<size_t>(E) * layout_.total;
        const cudaError_t st = cudaHostAlloc(reinterpret_cast<void**>(&host), bytes, cudaHostAllocPortable);
        if (st != cudaSuccess) {
            cudaGetLastError();
            throw Error("cannot pin " + std::to_string(bytes >> 20) + " MiB of host RAM for routed experts (" +
                        cudaGetErrorString(st) + "): lower the host budget or load with mapped experts");
        }
        pinned_layers_.push_back(host);
        pinned_bytes_ += bytes;
        // Every core packs experts: the first read of a mapped checkpoint is bound by page faults, not memcpy.
        cpu::parallel_for(E, [&](int64_t b, int64_t end) {
            for (int64_t i = b; i < end; ++i) pack((*layer)[i], layout_, host + static_cast<size_t>(i) * layout_.total);
        });
        std::vector<cpu::ExpertWeights> views;
        for (int64_t i = 0; i < E; ++i) {
            const uint8_t* base = host + static_cast<size_t>(i) * layout_.total;
            const auto& src = (*layer)[i];
            const auto& l = layout_;
            views.push_back({repoint(src.w1, base + l.offset[0], base + l.offset[1]),
                             repoint(src.w2, base + l.offset[4], base + l.offset[5]),
                             repoint(src.w3, base + l.offset[2], base + l.offset[3])});
        }
        cpu_.push_back(std::move(views));
        done += bytes;
        if (on_progress) on_progress(done, total);
    }
    for (int i = 0; i < 2; ++i) {
        FATHOM_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&staging_[i]), layout_.total, cudaHostAllocPortable));
        FATHOM_CUDA_CHECK(cudaEventCreateWithFlags(&staging_free_[i], cudaEventDisableTiming));
    }
}

HostExpertStore::~HostExpertStore() {
    for (auto* p : pinned_layers_) cudaFreeHost(p);
    for (int i = 0; i < 2; ++i) {
        if (staging_[i]) cudaFreeHost(staging_[i]);
        if (staging_free_[i]) cudaEventDestroy(staging_free_[i]);
    }
}

void HostExpertStore::copy_to_device(int64_t layer, int64_t e, uint8_t* device_dst, cudaStream_t stream) {
    if (pinned_) {
        const uint8_t* src = pinned_layers_[static_cast<size_t>(layer)] + static_cast<size_t>(e) * layout_.total;
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(device_dst, src, layout_.total, cudaMemcpyHostToDevice, stream));
        return;
    }
    const int i = next_staging_;
    next_staging_ ^= 1;
    FATHOM_CUDA_CHECK(cudaEventSynchronize(staging_free_[i]));
    pack(cpu_[layer][e], layout_, staging_[i]);
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(device_dst, staging_[i], layout_.total, cudaMemcpyHostToDevice, stream));
    FATHOM_CUDA_CHECK(cudaEventRecord(staging_free_[i], stream));
}

GpuExpertSlots::GpuExpertSlots(int64_t slots, const ExpertLayout& layout, const cpu::ExpertWeights& shape)
    : slots_(slots), stride_(layout.total), layout_(layout) {
    auto view_of = [](const cpu::Weight& w) {
        DeviceWeightView v;
        v.format = w.format;
        v.out = w.out;
        v.in = w.in;
        v.scale_cols = w.scale_cols;
        return v;
    };
    w1_ = view_of(shape.w1);
    w2_ = view_of(shape.w2);
    w3_ = view_of(shape.w3);
    if (slots_ > 0) buffer_ = DeviceBuffer(static_cast<size_t>(slots_) * stride_);
    ready_.resize(static_cast<size_t>(slots_));
    for (auto& ev : ready_) FATHOM_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
}

GpuExpertSlots::~GpuExpertSlots() {
    for (auto ev : ready_) cudaEventDestroy(ev);
}

std::array<DeviceWeightView, 3> GpuExpertSlots::views(const uint8_t* base) const {
    auto at = [&](DeviceWeightView v, int part) {
        v.data = base + layout_.offset[part];
        v.scale = base + layout_.offset[part + 1];
        return v;
    };
    return {at(w1_, 0), at(w2_, 4), at(w3_, 2)};
}

}  // namespace fathom::cuda
