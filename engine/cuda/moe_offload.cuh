// The routed experts of one MoE layer for one step, wherever they are: resident experts run from their GPU slots,
// misses run on the CPU from host RAM (overlapped with the GPU's work) or are streamed through two GPU staging
// slots; the partial sums are added into one output, and the routing statistics move hot experts into the cache.
#pragma once

#include "cuda/cuda_backend.hpp"
#include "cuda/current_stream.cuh"
#include "cuda/expert_cache.cuh"
#include "cuda/pinned_upload.cuh"
#include "runtime/cpu_expert_rates.hpp"
#include "runtime/model.hpp"

#include <span>

namespace fathom::cuda {

// out [T, d] += expert(xq rows) * row weight for n rows gathered by `rows` (device), with the model's SwiGLU.
void gpu_expert_forward(const std::array<DeviceWeightView, 3>& w1_w2_w3, const float* xq, const int32_t* rows,
                        const float* row_weights, int64_t n, int64_t d, float limit, float* out, cudaStream_t s = current_stream());
// One expert of a one-token group: its matrices, or the tables the GPU's routing picks them from.
struct TokenExpert {
    std::array<DeviceWeightView, 3> w;          // w1, w2, w3 (with `tables`: only their shape and format)
    const DeviceWeightView* tables = nullptr;   // [3][experts] on the device: w1, w2, w3 of every routed expert
    int64_t experts = 0;
    const int32_t* index = nullptr;             // the chosen expert, on the device
};
// out [1, d] += the experts of one token (weights [G] on the device, in order) in four launches: w1 and w3 of all,
// SwiGLU, w2 of all, the weighted sum.
void gpu_experts_one_token(std::span<const TokenExpert> experts, const float* xq, const float* weights, int64_t d, float limit,
                           float* out, cudaStream_t s = current_stream());
// y [n] += x [n] on the device.
void add_into(float* y, const float* x, int64_t n, cudaStream_t s = current_stream());

class MoeOffload {
public:
    MoeOffload(const runtime::Model& model, const ExpertOffloadOptions& options);
    ~MoeOffload();
    MoeOffload(const MoeOffload&) = delete;
    MoeOffload& operator=(const MoeOffload&) = delete;

    // out [T, d] (device) += the routed experts of `block` on xq [T, d] (device, FP8-rounded) and the `shared`
    // experts (every token, weight 1); the routing [T, k] on the host (a benchmark's routing override may rewrite it).
    // A one-token step runs the resident routed experts and the shared ones as one group.
    void run(int64_t block, const float* xq, int64_t T, std::vector<int32_t>& experts, std::vector<float>& weights,
             std::span<const std::array<DeviceWeightView, 3>> shared, float* out);
    // True when every routed expert is resident and no benchmark rewrites the routing: a one-token step can then
    // take its routing [k] straight from the GPU (run_resident_token), with no synchronisation.
    bool routes_on_device() const { return !device_tables_.empty(); }
    void run_resident_token(int64_t block, const float* xq, const int32_t* experts, const float* weights,
                            std::span<const std::array<DeviceWeightView, 3>> shared, float* out);
    // The statistics run_resident_token keeps, for `layers` calls replayed from a recorded step (no host code ran).
    void note_resident_token_steps(int64_t layers);

    int64_t gpu_slots() const { return slots_ ? slots_->count() : 0; }
    size_t gpu_bytes() const { return (slots_ ? slots_->bytes() : 0) + (staging_ ? staging_->bytes() : 0); }
    uint64_t pinned_host_bytes() const { return host_->host_bytes(); }
    size_t expert_bytes() const { return host_->layout().total; }
    ExpertOffloadStats stats;
    ExpertOffloadStats stats_with_placement() const {
        ExpertOffloadStats s = stats;
        s.gpu_slots = gpu_slots();
        s.total_experts = total_experts_;
        s.host_pinned = host_->pinned();
        return s;
    }

private:
    const ModelConfig& c_;
    ExpertOffloadOptions options_;
    std::unique_ptr<HostExpertStore> host_;
    std::unique_ptr<GpuExpertSlots> slots_, staging_;
    std::unique_ptr<runtime::ExpertCachePolicy> policy_;
    PinnedUploader uploads_;
    cudaStream_t copy_stream_ = nullptr;
    std::array<cudaEvent_t, 2> staging_copied_{}, staging_done_{};
    cudaEvent_t moe_done_ = nullptr;
    double flops_per_token_ = 0;
    int64_t total_experts_ = 0;
    runtime::CpuExpertRates cpu_rates_;  // what this backend's CPU expert batches reach, pricing the misses
    DeviceBuffer iota_, ones_;              // rows 0..T-1 and weight 1: the shared experts' gather and scale
    std::vector<DeviceBuffer> device_tables_;  // per layer, [3][E] views of the resident experts (all resident only)
    DeviceBuffer shared_ones_;                 // weight 1 for the shared experts of a one-token group
};

}  // namespace fathom::cuda
