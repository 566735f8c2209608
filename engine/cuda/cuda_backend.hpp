// The CUDA forward pass behind the ForwardBackend interface (plain C++ header: no CUDA types), so eval and the
// benchmarks run the GPU exactly as they run the CPU reference. Throws fathom::Error when no GPU is usable.
#pragma once

#include "runtime/expert_policy.hpp"
#include "runtime/forward_backend.hpp"

#include <functional>

namespace fathom::cuda {

// Routed experts: how many live on the GPU (the rest stay in host RAM and run on the CPU or are streamed).
struct ExpertOffloadOptions {
    int64_t gpu_expert_slots = -1;  // GPU slots for routed experts over all layers; -1 = every expert resident
    // When set, the slots are what fits: the budget (bytes) minus what the dense weights took and a reserve for
    // caches and activations; -1 = the GPU's free memory after the dense weights, less the reserve.
    int64_t gpu_budget_bytes = 0;
    bool pinned_host = true;        // host copies in pinned RAM (fast copies); false = read from the mapped checkpoint
    uint64_t host_budget_bytes = 0; // pinned copies only when they fit this (0 = no limit); else mapped
    runtime::MissPolicy miss = runtime::MissPolicy::Auto;
    bool adapt = true;              // move experts that routing makes hot into the cache
    runtime::OffloadCosts costs;
    int64_t max_swaps_per_layer_step = 1;
    // Benchmarks only: replaces the router's choice [T, k] (experts and weights) before the experts run, so the
    // cache is measured under a stated distribution. Unset in eval and the app.
    std::function<void(int64_t block, int64_t T, int64_t k, int32_t* experts, float* weights)> routing_override;
    std::function<void(uint64_t done, uint64_t total)> on_progress;  // copying experts at load
};

struct CudaBackendOptions {
    // One-token steps with every routed expert resident are recorded once as a CUDA graph that reads its position
    // on the device, and replayed at every later position (bit-identical logits and caches to the steps launched
    // kernel by kernel). With routed experts in host RAM, each layer's part up to the routing is recorded and
    // replayed the same way, and the host dispatches the experts in between. Off by default until measured on the
    // GPU machine (the earlier form, which re-recorded every step, measured slower than launching kernel by kernel:
    // docs/BENCHMARKS.md).
    bool decode_graphs = false;
    size_t decode_scratch_bytes = size_t{64} << 20;  // the recorded step's temporaries
};

std::unique_ptr<ForwardBackend> make_cuda_backend(const runtime::Model& model, const ExpertOffloadOptions& offload = {},
                                                  const CudaBackendOptions& options = {});

}  // namespace fathom::cuda
