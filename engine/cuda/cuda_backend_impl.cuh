// The CUDA backend's internals, shared by its source files (construction and steps, attention, snapshots): the
// weights and caches as they live on the GPU, and the CudaBackend class behind make_cuda_backend.
#pragma once

#include "cuda/cuda_backend.hpp"

#include "cuda/current_stream.cuh"
#include "cuda/decode_graph.cuh"
#include "cuda/device_weight.hpp"
#include "cuda/forward_kernels.cuh"
#include "cuda/grouped_gemv.cuh"
#include "cuda/linear.cuh"
#include "cuda/moe_offload.cuh"
#include "cuda/pinned_upload.cuh"
#include "cuda/pointwise.cuh"
#include "cuda/sampling.cuh"
#include "model/memory_plan.hpp"
#include "runtime/model.hpp"

#include <algorithm>
#include <cmath>

namespace fathom::cuda::backend {

struct DeviceHc {
    DeviceWeight fn;
    DeviceBuffer base, scale;
    DeviceHc() = default;
    DeviceHc(const HcWeights& h, int64_t rows, int64_t cols);
};

struct DeviceCompressor {
    DeviceWeight wkv, wgate;
    DeviceBuffer ape, norm;
    int64_t ratio = 0, width = 0;
};

struct DeviceExpert {
    DeviceWeight w1, w2, w3;
};

struct DeviceBlock {
    int64_t ratio = 0;
    DeviceHc hc_attn, hc_ffn;
    DeviceBuffer attn_norm, ffn_norm, q_norm, kv_norm, sink, gate_bias, tid2eid, freqs;
    DeviceWeight wq_a, wq_b, wkv, wo_a, wo_b, gate;
    bool has_compressor = false, has_indexer = false;
    DeviceCompressor comp, index_comp;
    DeviceWeight index_wq_b, index_weights_proj;
    std::vector<DeviceExpert> shared;  // routed experts live in the MoeOffload's slots
};


struct DeviceCompressorState {
    DeviceBuffer block_a, block_z, prev_a, prev_z, rows;
    int64_t filled = 0, count = 0, capacity = 0;
    bool has_prev = false;
};

struct CudaCache : BlockCache {
    DeviceBuffer ring;
    int64_t next_pos = 0;
    DeviceCompressorState kv, index;
};


// The key of the buffers a recorded step touches in cache `c` (addresses and sizes), mixed into `key`.
uint64_t bind_cache(uint64_t key, const CudaCache& c);

// Room for `rows` compressed rows. A recorded step cannot grow the buffer (its scratch memory does not outlive the
// step), so the recording reserves beforehand and this only checks.
void reserve_rows(DeviceCompressorState& st, int64_t rows, int64_t width);
// A copy of x [rows, n] with the model's activation FP8 rounding.
DeviceBuffer rounded_copy(const float* x, int64_t rows, int64_t n);
// x [T, w.in] times the weight, in a new buffer.
DeviceBuffer project(const DeviceWeight& w, const float* x, int64_t T, LinearInput input = LinearInput::Plain);

class CudaBackend : public ForwardBackend {
public:
    CudaBackend(const runtime::Model& m, const ExpertOffloadOptions& offload, const CudaBackendOptions& options);
    std::string name() const override { return "cuda (" + device_name_ + ")"; }
    int64_t num_blocks() const override { return static_cast<int64_t>(blocks_.size()); }
    std::unique_ptr<BlockCache> new_cache(int64_t block) const override;
    void run_block(int64_t block, BlockCache& cache, const int64_t* tokens, int64_t T, float* h, BlockTrace* trace) const override;
    void embed(const int64_t* tokens, int64_t T, float* h) const override;
    void head(const float* h, int64_t T, float* logits) const override;
    void forward(std::vector<std::unique_ptr<BlockCache>>& caches, const int64_t* tokens, int64_t T, float* last_logits,
                 int64_t hc_times_d) const override;
    // Snapshots use the CPU's format: the device caches are copied into BlockStates and back, so a session
    // stored from the GPU can be restored on either backend.
    std::vector<uint8_t> snapshot(const std::vector<std::unique_ptr<BlockCache>>& caches, const std::vector<int64_t>& tokens) const override;
    std::vector<std::unique_ptr<BlockCache>> restore(std::span<const uint8_t> bytes, std::vector<int64_t>& tokens) const override;
    ExpertOffloadStats expert_stats() const override {
        ExpertOffloadStats s = offload_->stats_with_placement();
        s.gpu_dense_bytes = dense_bytes_;
        return s;
    }
    void reset_expert_stats() const override { offload_->stats = {}; }
    int32_t sample_last(float temperature, float top_p, int64_t vocab_limit, double u) const override {
        if (!last_logits_) throw Error("no logits to sample from: the last step computed none");
        return sampler_->pick(last_logits_, std::min(vocab_limit, c_.vocab_size), temperature, top_p, u);
    }
    // Up to 2048 tokens: a prefill chunk reads nearly every routed expert of each layer, so the chunk sets how many
    // tokens share those reads (the resident experts from HBM, the streamed ones over PCIe). Halved while the
    // chunk's activations (model/memory_plan's estimate at this context) would not fit half the free GPU memory.
    int64_t preferred_prefill_chunk(int64_t position) const override;
    StepStats step_stats() const override {
        StepStats s;
        s.eager_steps = eager_steps_;
        s.graph_replays = graph_steps_;
        if (layer_graphs_) s.graph_recordings = layer_graphs_->stats().recordings;
        if (graph_) {
            s.graph_recordings = graph_->stats().recordings;
        }
        return s;
    }

private:
    // One block over the hidden state h [T, hc, d] on the device, in place.
    // device_pos: a one-token step at the position held there (replayable; see attention()).
    void run_block_on_device(int64_t block, CudaCache& cache, const int64_t* tokens, const DeviceBuffer& dtokens, int64_t T,
                             DeviceBuffer& h, BlockTrace* trace, const int64_t* device_pos = nullptr) const;
    // A block's attention half and the FFN half's input: h [T, hc, d] in; h2 (after attention), the FFN's mix and
    // its normalised input x [T, d] out. Shared by the step and by the recorded part of an offloaded step.
    void block_until_ffn(const DeviceBlock& b, CudaCache& cache, const float* h, int64_t T, float* h2, float* ffn_mix, float* x,
                         BlockTrace* trace, const int64_t* device_pos) const;
    // The router's choice for x [T, d]: experts and weights [T, k] on the device.
    void route(const DeviceBlock& b, const float* x, const int64_t* tokens, int64_t T, int32_t* experts, float* weights) const;
    // The logits [T, V] of the hidden states h [T, hc, d], both on the device.
    void head_on_device(const float* h, int64_t T, float* logits) const;
    // One step launched kernel by kernel, or recorded and replayed as a graph; last_logits on the host or null.
    void eager_step(std::vector<std::unique_ptr<BlockCache>>& caches, const int64_t* tokens, int64_t T, float* last_logits,
                    int64_t hc_times_d) const;
    void graph_step(std::vector<std::unique_ptr<BlockCache>>& caches, int64_t token, float* last_logits, int64_t hc_times_d) const;
    // With routed experts in host RAM: each layer's part up to the routing is a recorded graph (replayable like
    // the whole step above); the host then dispatches the experts as in the eager step.
    void offload_graph_step(std::vector<std::unique_ptr<BlockCache>>& caches, int64_t token, float* last_logits,
                            int64_t hc_times_d) const;
    void record_until_routing(int64_t block, CudaCache& cache) const;
    // Reserves this token's compressed rows (a recording cannot) and returns the step's position.
    int64_t prepare_one_token_step(std::vector<std::unique_ptr<BlockCache>>& caches) const;
    // The routed experts of a layer dispatched from the host: routing [T, k] copied back, then MoeOffload::run.
    void dispatch_routed(const DeviceBlock& b, const float* xq, const int32_t* experts, const float* weights, int64_t T,
                         float* out, BlockTrace* trace) const;
    // Records the replayable one-token step (positions read from step_pos_; nothing runs on the GPU and no host
    // counter moves while recording).
    void record_step(std::vector<std::unique_ptr<BlockCache>>& caches, int64_t hc_times_d) const;
    // What identifies a recorded step: the addresses and sizes of every cache buffer it reads or writes.
    uint64_t step_binding(const std::vector<std::unique_ptr<BlockCache>>& caches, int64_t hc_times_d) const;
    // The host-side counters of the first `blocks` caches after one more token (what a replayed step did on the device).
    void advance_counters(std::vector<std::unique_ptr<BlockCache>>& caches, size_t blocks) const;
    void attention(const DeviceBlock& b, CudaCache& c, const float* x, int64_t T, float* out, BlockTrace* trace,
                   const int64_t* device_pos = nullptr) const;
    void compress(const DeviceCompressor& w, DeviceCompressorState& st, const float* x, int64_t T, int64_t pos0,
                  const DeviceBuffer& freqs, bool indexer, std::vector<float>* trace_rows) const;
    void compress_one_token(const DeviceCompressor& w, DeviceCompressorState& st, const float* x, const DeviceBuffer& freqs,
                            bool indexer, const int64_t* device_pos) const;
    int64_t block_index(const DeviceBlock& b) const { return &b - blocks_.data(); }
    void moe(const DeviceBlock& b, const float* x, const DeviceBuffer& tokens, int64_t T, float* out, BlockTrace* trace) const;

    const runtime::Model& m_;
    const ModelConfig& c_;
    std::string device_name_;
    std::vector<DeviceBlock> blocks_;
    DeviceWeight embed_, head_, hc_head_fn_;
    DeviceBuffer norm_, hc_head_base_, hc_head_scale_;
    std::unique_ptr<MoeOffload> offload_;
    uint64_t dense_bytes_ = 0;
    mutable PinnedUploader uploads_;
    std::unique_ptr<DecodeGraph> graph_;    // null when decode graphs are off
    DeviceBuffer graph_token_, graph_pos_, graph_logits_;  // a recorded step's inputs and output: fixed addresses
    DeviceBuffer eager_logits_;
    // The offloaded step's per-layer graphs and the buffers they hand to the host's part: fixed addresses.
    std::unique_ptr<DecodeGraph> layer_graphs_;
    struct LayerGraphBuffers {
        DeviceBuffer h, h2, mix, y, xq, experts, weights;
    };
    mutable LayerGraphBuffers layer_io_;
    mutable uint64_t graph_steps_ = 0;
    mutable const float* last_logits_ = nullptr;  // the last step's logits on the device, for sample_last
    std::unique_ptr<DeviceSampler> sampler_;
    mutable uint64_t eager_steps_ = 0;
    mutable bool graphs_failed_ = false;  // a recording failed once: one-token steps run eagerly from then on
};

}  // namespace fathom::cuda::backend
