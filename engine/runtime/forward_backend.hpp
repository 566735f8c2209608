// ForwardBackend: the forward pass as eval and benchmarks drive it, block by block, over host arrays, so the CPU
// reference and the CUDA backend are checked by the same code (each block alone, or all of them end to end).
#pragma once

#include "runtime/block_state.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace fathom {

// Where the routed experts of the steps so far ran and what that moved (zero for a backend without offload).
struct ExpertOffloadStats {
    uint64_t expert_uses = 0;                   // (token, expert) pairs routed
    uint64_t gpu_resident = 0, cpu = 0, streamed = 0;  // expert runs by where they ran (one run: one expert, one step)
    uint64_t swaps = 0;                         // experts moved into the GPU cache
    uint64_t pcie_bytes = 0;                    // expert weights copied host to GPU (streamed and swapped)
    uint64_t cpu_weight_bytes = 0;              // expert weights read by the CPU
    uint64_t gpu_expert_bytes = 0;              // resident expert weights read by the GPU
    double cpu_seconds = 0;                     // host time in CPU expert runs
    // Placement (not reset with the counters): GPU slots over all layers, routed experts in all, host copies.
    int64_t gpu_slots = 0, total_experts = 0;
    bool host_pinned = false;
    uint64_t gpu_dense_bytes = 0;  // GPU memory the dense weights took (measured)
};

// How a backend ran its whole steps (zero for a backend that has nothing to report).
struct StepStats {
    uint64_t eager_steps = 0;           // steps launched kernel by kernel
    uint64_t graph_replays = 0;         // one-token steps replayed as a recorded graph
    uint64_t graph_recordings = 0;      // steps recorded (the first; again after a cache buffer moved or grew)
};

class BlockCache {
public:
    virtual ~BlockCache() = default;
};

class ForwardBackend {
public:
    virtual ~ForwardBackend() = default;
    virtual std::string name() const = 0;
    virtual int64_t num_blocks() const = 0;
    virtual std::unique_ptr<BlockCache> new_cache(int64_t block) const = 0;
    // h [T, hc, d] on the host, in and out; positions continue from the cache's.
    virtual void run_block(int64_t block, BlockCache& cache, const int64_t* tokens, int64_t T, float* h,
                           BlockTrace* trace) const = 0;
    virtual void embed(const int64_t* tokens, int64_t T, float* h) const = 0;
    // The caches of every block (one session) as a snapshot, and back; throws fathom::Error where unsupported.
    virtual std::vector<uint8_t> snapshot(const std::vector<std::unique_ptr<BlockCache>>& caches,
                                          const std::vector<int64_t>& tokens) const = 0;
    virtual std::vector<std::unique_ptr<BlockCache>> restore(std::span<const uint8_t> snapshot, std::vector<int64_t>& tokens) const = 0;
    virtual void head(const float* h, int64_t T, float* logits) const = 0;
    // The whole step: embedding, every block, the head's logits [V] of the last token. A backend may keep the
    // hidden state on its device in between; the default goes through the calls above.
    virtual void forward(std::vector<std::unique_ptr<BlockCache>>& caches, const int64_t* tokens, int64_t T,
                         float* last_logits, int64_t hc_times_d) const {
        std::vector<float> h(static_cast<size_t>(T * hc_times_d));
        embed(tokens, T, h.data());
        for (int64_t i = 0; i < num_blocks(); ++i) run_block(i, *caches[static_cast<size_t>(i)], tokens, T, h.data(), nullptr);
        if (last_logits) head(h.data() + (T - 1) * hc_times_d, 1, last_logits);
    }
    virtual ExpertOffloadStats expert_stats() const { return {}; }
    virtual StepStats step_stats() const { return {}; }
    // Samples a token on the backend's device from the logits of its last step that produced them (the first
    // vocab_limit), with the draw u as cpu::Sampler::pick defines it; -1 where the backend leaves sampling to the
    // host (the CPU backend: the host already has the logits).
    virtual int32_t sample_last(float temperature, float top_p, int64_t vocab_limit, double u) const {
        (void)temperature, (void)top_p, (void)vocab_limit, (void)u;
        return -1;
    }
    virtual void reset_expert_stats() const {}
    // The prefill chunk this backend runs best with when the context already holds `position` tokens: the CPU's
    // time per token hardly depends on it, so small chunks give fine-grained progress and cancellation.
    virtual int64_t preferred_prefill_chunk(int64_t position) const {
        (void)position;
        return 256;
    }
};

namespace runtime {
class Model;
}
std::unique_ptr<ForwardBackend> make_cpu_backend(const runtime::Model& model);

}  // namespace fathom
