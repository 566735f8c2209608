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
#include "runtime/model.hpp"
#include "runtime/session_snapshot.hpp"

#include <algorithm>
#include <cmath>

namespace fathom::cuda {

namespace {

DeviceBuffer upload(const std::vector<float>& v) { return DeviceBuffer::from(std::span<const float>(v)); }

cpu::Weight f32_matrix(const std::vector<float>& values, int64_t out, int64_t in) {
    cpu::Weight w;
    w.format = cpu::WeightFormat::F32;
    w.out = out;
    w.in = in;
    w.owned = values;
    return w;
}

struct DeviceHc {
    DeviceWeight fn;
    DeviceBuffer base, scale;
    DeviceHc() = default;
    DeviceHc(const HcWeights& h, int64_t rows, int64_t cols) : fn(f32_matrix(h.fn, rows, cols)), base(upload(h.base)), scale(upload(h.scale)) {}
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

DeviceCompressor upload_compressor(const CompressorWeights& c) {
    DeviceCompressor d;
    d.wkv = DeviceWeight(c.wkv);
    d.wgate = DeviceWeight(c.wgate);
    d.ape = upload(c.ape);
    d.norm = upload(c.norm);
    d.ratio = c.ratio;
    d.width = c.width;
    return d;
}

// Compressor state on the GPU: the partial block's projections, the previous block's first halves, the rows.
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

// Room for `rows` compressed rows. A recorded step cannot grow the buffer (its scratch memory does not outlive the
// step), so the recording reserves beforehand and this only checks.
void reserve_rows(DeviceCompressorState& st, int64_t rows, int64_t width) {
    if (rows <= st.capacity) return;
    if (ScratchArena::active()) throw Error("internal: compressed rows must be reserved before a decode step is recorded");
    const int64_t cap = std::max<int64_t>(64, 2 * rows);
    DeviceBuffer grown(static_cast<size_t>(cap * width) * 4);
    if (st.count)
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(grown.as<float>(), st.rows.as<float>(), static_cast<size_t>(st.count * width) * 4,
                                          cudaMemcpyDeviceToDevice, current_stream()));
    st.rows = std::move(grown);
    st.capacity = cap;
}

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
    StepStats step_stats() const override {
        StepStats s;
        s.eager_steps = eager_steps_;
        if (graph_) {
            s.graph_replays = graph_->stats().replays;
            s.graph_instantiations = graph_->stats().instantiations;
            s.graph_updates = graph_->stats().updates;
        }
        return s;
    }

private:
    // One block over the hidden state h [T, hc, d] on the device, in place.
    void run_block_on_device(int64_t block, CudaCache& cache, const int64_t* tokens, const DeviceBuffer& dtokens, int64_t T,
                             DeviceBuffer& h, BlockTrace* trace) const;
    // The logits [T, V] of the hidden states h [T, hc, d], both on the device.
    void head_on_device(const float* h, int64_t T, float* logits) const;
    // One step launched kernel by kernel, or recorded and replayed as a graph; last_logits on the host or null.
    void eager_step(std::vector<std::unique_ptr<BlockCache>>& caches, const int64_t* tokens, int64_t T, float* last_logits,
                    int64_t hc_times_d) const;
    void graph_step(std::vector<std::unique_ptr<BlockCache>>& caches, int64_t token, float* last_logits, int64_t hc_times_d) const;
    void attention(const DeviceBlock& b, CudaCache& c, const float* x, int64_t T, float* out, BlockTrace* trace) const;
    void compress(const DeviceCompressor& w, DeviceCompressorState& st, const float* x, int64_t T, int64_t pos0,
                  const DeviceBuffer& freqs, bool indexer, std::vector<float>* trace_rows) const;
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
    DeviceBuffer graph_token_, graph_logits_;  // a recorded step's input and output: fixed addresses
    DeviceBuffer eager_logits_;
    mutable const float* last_logits_ = nullptr;  // the last step's logits on the device, for sample_last
    std::unique_ptr<DeviceSampler> sampler_;
    mutable uint64_t eager_steps_ = 0;
};

CudaBackend::CudaBackend(const runtime::Model& m, const ExpertOffloadOptions& offload, const CudaBackendOptions& options)
    : m_(m), c_(m.config()) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        cudaGetLastError();
        throw Error("no usable CUDA GPU (the CPU backend still works)");
    }
    cudaDeviceProp prop{};
    FATHOM_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    device_name_ = prop.name;
    const int64_t live_before = DeviceBuffer::live_bytes();
    {
        // What an earlier backend freed stays with the pool; give it back so the free memory below is real.
        cudaMemPool_t pool;
        FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
        if (cudaDeviceGetDefaultMemPool(&pool, 0) == cudaSuccess) cudaMemPoolTrimTo(pool, 0);
        cudaGetLastError();
    }
    const int64_t hc = c_.hc_mult, d = c_.hidden_size;
    for (int64_t i = 0; i < m.num_blocks(); ++i) {
        const BlockWeights& w = m.block_weights(i);
        DeviceBlock b;
        b.ratio = w.ratio;
        b.hc_attn = DeviceHc(w.hc_attn, (2 + hc) * hc, hc * d);
        b.hc_ffn = DeviceHc(w.hc_ffn, (2 + hc) * hc, hc * d);
        b.attn_norm = upload(w.attn_norm);
        b.ffn_norm = upload(w.ffn_norm);
        b.q_norm = upload(w.q_norm);
        b.kv_norm = upload(w.kv_norm);
        b.sink = upload(w.attn_sink);
        b.freqs = upload(w.rope.frequencies());
        b.wq_a = DeviceWeight(w.wq_a);
        b.wq_b = DeviceWeight(w.wq_b);
        b.wkv = DeviceWeight(w.wkv);
        b.wo_a = DeviceWeight(w.wo_a);
        b.wo_b = DeviceWeight(w.wo_b);
        b.gate = DeviceWeight(w.gate);
        if (!w.gate_bias.empty()) b.gate_bias = upload(w.gate_bias);
        if (!w.tid2eid.empty()) b.tid2eid = DeviceBuffer::from(std::span<const int64_t>(w.tid2eid));
        if (w.compressor) {
            b.has_compressor = true;
            b.comp = upload_compressor(*w.compressor);
        }
        if (w.indexer) {
            b.has_indexer = true;
            b.index_comp = upload_compressor(w.indexer->compressor);
            b.index_wq_b = DeviceWeight(w.indexer->wq_b);
            b.index_weights_proj = DeviceWeight(w.indexer->weights_proj);
        }
        for (const auto& e : w.shared_experts) b.shared.push_back({DeviceWeight(e.w1), DeviceWeight(e.w2), DeviceWeight(e.w3)});
        blocks_.push_back(std::move(b));
    }
    embed_ = DeviceWeight(m.embed_weight());
    head_ = DeviceWeight(m.head_weight());
    norm_ = upload(m.norm_weight());
    hc_head_fn_ = DeviceWeight(f32_matrix(m.hc_head_weights().fn, hc, hc * d));
    hc_head_base_ = upload(m.hc_head_weights().base);
    hc_head_scale_ = upload(m.hc_head_weights().scale);
    // Dense weights are on the GPU now: the expert slots get what is left of the budget after a reserve for the
    // caches and activations of long prefills.
    FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
    size_t free_after = 0, total_memory = 0;
    FATHOM_CUDA_CHECK(cudaMemGetInfo(&free_after, &total_memory));
    dense_bytes_ = static_cast<uint64_t>(std::max<int64_t>(0, DeviceBuffer::live_bytes() - live_before));
    ExpertOffloadOptions sized = offload;
    if (offload.gpu_budget_bytes != 0) {
        const auto dense = static_cast<int64_t>(dense_bytes_);
        const int64_t reserve = std::min<int64_t>(int64_t{2} << 30, static_cast<int64_t>(total_memory / 10));
        const int64_t available = offload.gpu_budget_bytes > 0 ? offload.gpu_budget_bytes - dense : static_cast<int64_t>(free_after);
        const int64_t for_experts = std::min(available, static_cast<int64_t>(free_after)) - reserve;
        const auto& e = m.block_weights(0).experts.front();
        const auto expert = static_cast<int64_t>(e.w1.bytes() + e.w2.bytes() + e.w3.bytes());
        sized.gpu_expert_slots = std::max<int64_t>(0, for_experts / std::max<int64_t>(1, expert));
    }
    offload_ = std::make_unique<MoeOffload>(m, sized);
    eager_logits_ = DeviceBuffer(static_cast<size_t>(c_.vocab_size) * 4);
    sampler_ = std::make_unique<DeviceSampler>(c_.vocab_size);
    if (options.decode_graphs && offload_->routes_on_device()) {
        graph_ = std::make_unique<DecodeGraph>(options.decode_scratch_bytes);
        graph_token_ = DeviceBuffer(sizeof(int64_t));
        graph_logits_ = DeviceBuffer(static_cast<size_t>(c_.vocab_size) * 4);
    }
}

std::unique_ptr<BlockCache> CudaBackend::new_cache(int64_t block) const {
    auto c = std::make_unique<CudaCache>();
    c->ring = DeviceBuffer(static_cast<size_t>(c_.sliding_window * c_.head_dim) * 4);
    FATHOM_CUDA_CHECK(cudaMemset(c->ring.as<float>(), 0, c->ring.bytes()));
    const auto& b = blocks_.at(static_cast<size_t>(block));
    auto init = [](DeviceCompressorState& s, const DeviceCompressor& w) {
        const int64_t pw = w.ratio == 4 ? 2 * w.width : w.width;
        s.block_a = DeviceBuffer(static_cast<size_t>(w.ratio * pw) * 4);
        s.block_z = DeviceBuffer(static_cast<size_t>(w.ratio * pw) * 4);
        s.prev_a = DeviceBuffer(static_cast<size_t>(w.ratio * w.width) * 4);
        s.prev_z = DeviceBuffer(static_cast<size_t>(w.ratio * w.width) * 4);
    };
    if (b.has_compressor) init(c->kv, b.comp);
    if (b.has_indexer) init(c->index, b.index_comp);
    return c;
}

void CudaBackend::embed(const int64_t* tokens, int64_t T, float* h) const {
    m_.check_tokens(tokens, T);
    auto dt = uploads_.upload(std::span<const int64_t>(tokens, static_cast<size_t>(T)));
    DeviceBuffer dh(static_cast<size_t>(T * c_.hc_mult * c_.hidden_size) * 4);
    cuda::embed(reinterpret_cast<const uint16_t*>(embed_.view().data), dt.as<int64_t>(), T, c_.hc_mult, c_.hidden_size, dh.as<float>(), current_stream());
    FATHOM_CUDA_CHECK(cudaMemcpy(h, dh.as<float>(), dh.bytes(), cudaMemcpyDeviceToHost));
}

void CudaBackend::head(const float* h, int64_t T, float* logits) const {
    auto dh = DeviceBuffer::from(std::span<const float>(h, static_cast<size_t>(T * c_.hc_mult * c_.hidden_size)));
    DeviceBuffer out(static_cast<size_t>(T * c_.vocab_size) * 4);
    head_on_device(dh.as<float>(), T, out.as<float>());
    FATHOM_CUDA_CHECK(cudaMemcpy(logits, out.as<float>(), out.bytes(), cudaMemcpyDeviceToHost));
}

void CudaBackend::forward(std::vector<std::unique_ptr<BlockCache>>& caches, const int64_t* tokens, int64_t T, float* last_logits,
                          int64_t hc_times_d) const {
    m_.check_tokens(tokens, T);
    last_logits_ = nullptr;  // until this step has produced its own
    if (T == 1 && graph_) graph_step(caches, tokens[0], last_logits, hc_times_d);
    else eager_step(caches, tokens, T, last_logits, hc_times_d);
}

void CudaBackend::eager_step(std::vector<std::unique_ptr<BlockCache>>& caches, const int64_t* tokens, int64_t T, float* last_logits,
                             int64_t hc_times_d) const {
    auto dtokens = uploads_.upload(std::span<const int64_t>(tokens, static_cast<size_t>(T)));
    DeviceBuffer h(static_cast<size_t>(T * hc_times_d) * 4);
    cuda::embed(reinterpret_cast<const uint16_t*>(embed_.view().data), dtokens.as<int64_t>(), T, c_.hc_mult, c_.hidden_size, h.as<float>(), current_stream());
    for (int64_t i = 0; i < num_blocks(); ++i)
        run_block_on_device(i, static_cast<CudaCache&>(*caches[static_cast<size_t>(i)]), tokens, dtokens, T, h, nullptr);
    if (last_logits) {
        head_on_device(h.as<float>() + (T - 1) * hc_times_d, 1, eager_logits_.as<float>());
        FATHOM_CUDA_CHECK(cudaMemcpy(last_logits, eager_logits_.as<float>(), eager_logits_.bytes(), cudaMemcpyDeviceToHost));
        last_logits_ = eager_logits_.as<float>();
    }
    ++eager_steps_;
}

void CudaBackend::graph_step(std::vector<std::unique_ptr<BlockCache>>& caches, int64_t token, float* last_logits, int64_t hc_times_d) const {
    // What a recording may not do is done first: grow the compressed-row buffers (one token adds at most one row).
    for (int64_t i = 0; i < num_blocks(); ++i) {
        auto& cache = static_cast<CudaCache&>(*caches[static_cast<size_t>(i)]);
        const auto& b = blocks_[static_cast<size_t>(i)];
        if (b.has_compressor) reserve_rows(cache.kv, cache.kv.count + 1, b.comp.width);
        if (b.has_indexer) reserve_rows(cache.index, cache.index.count + 1, b.index_comp.width);
    }
    const cudaStream_t s = graph_->stream();
    // Pageable source: the copy has taken the value when the call returns.
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(graph_token_.as<int64_t>(), &token, sizeof token, cudaMemcpyHostToDevice, s));
    graph_->run([&] {
        DeviceBuffer h(static_cast<size_t>(hc_times_d) * 4);
        cuda::embed(reinterpret_cast<const uint16_t*>(embed_.view().data), graph_token_.as<int64_t>(), 1, c_.hc_mult, c_.hidden_size,
                    h.as<float>(), current_stream());
        for (int64_t i = 0; i < num_blocks(); ++i)
            run_block_on_device(i, static_cast<CudaCache&>(*caches[static_cast<size_t>(i)]), &token, graph_token_, 1, h, nullptr);
        head_on_device(h.as<float>(), 1, graph_logits_.as<float>());
    });
    last_logits_ = graph_logits_.as<float>();
    if (last_logits)
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(last_logits, graph_logits_.as<float>(), graph_logits_.bytes(), cudaMemcpyDeviceToHost, s));
    FATHOM_CUDA_CHECK(cudaStreamSynchronize(s));
}

void CudaBackend::head_on_device(const float* dh, int64_t T, float* logits) const {
    const int64_t hc = c_.hc_mult, d = c_.hidden_size;
    DeviceBuffer mixes(static_cast<size_t>(T * hc) * 4), x(static_cast<size_t>(T * d) * 4);
    linear(hc_head_fn_.view(), dh, T, mixes.as<float>());
    hc_head_finish(dh, mixes.as<float>(), hc_head_base_.as<float>(), hc_head_scale_.as<float>(), T, hc, d,
                   static_cast<float>(c_.hc_eps), static_cast<float>(c_.rms_norm_eps), x.as<float>(), current_stream());
    rms_norm_rows(x.as<float>(), norm_.as<float>(), T, d, static_cast<float>(c_.rms_norm_eps));
    linear(head_.view(), x.as<float>(), T, logits);
}

void CudaBackend::run_block(int64_t block, BlockCache& cache_base, const int64_t* tokens, int64_t T, float* h_host,
                            BlockTrace* trace) const {
    m_.check_tokens(tokens, T);
    auto h = DeviceBuffer::from(std::span<const float>(h_host, static_cast<size_t>(T * c_.hc_mult * c_.hidden_size)));
    auto dtokens = uploads_.upload(std::span<const int64_t>(tokens, static_cast<size_t>(T)));
    run_block_on_device(block, static_cast<CudaCache&>(cache_base), tokens, dtokens, T, h, trace);
    FATHOM_CUDA_CHECK(cudaMemcpy(h_host, h.as<float>(), h.bytes(), cudaMemcpyDeviceToHost));
}

void CudaBackend::run_block_on_device(int64_t block, CudaCache& cache, const int64_t* tokens, const DeviceBuffer& dtokens,
                                      int64_t T, DeviceBuffer& h, BlockTrace* trace) const {
    const auto& b = blocks_.at(static_cast<size_t>(block));
    const int64_t hc = c_.hc_mult, d = c_.hidden_size, mix_w = 2 * hc + hc * hc;
    const float eps = static_cast<float>(c_.rms_norm_eps), hc_eps = static_cast<float>(c_.hc_eps);
    if (cache.next_pos + T > c_.max_position_embeddings) throw Error("context exceeds the model's maximum");
    (void)tokens;
    const bool tracing = trace && trace->enabled;

    DeviceBuffer h2(h.bytes()), mixes(static_cast<size_t>(T * (2 + hc) * hc) * 4), mix(static_cast<size_t>(T * mix_w) * 4);
    DeviceBuffer x(static_cast<size_t>(T * d) * 4), y(static_cast<size_t>(T * d) * 4);
    auto download = [&](const DeviceBuffer& buf, std::vector<float>& dst) {
        auto v = buf.to_host<float>();
        dst.insert(dst.end(), v.begin(), v.end());
    };

    linear(b.hc_attn.fn.view(), h.as<float>(), T, mixes.as<float>());
    hc_pre_finish(h.as<float>(), mixes.as<float>(), b.hc_attn.base.as<float>(), b.hc_attn.scale.as<float>(), T, hc, d,
                  c_.hc_sinkhorn_iters, hc_eps, eps, mix.as<float>(), x.as<float>(), current_stream());
    rms_norm_rows(x.as<float>(), b.attn_norm.as<float>(), T, d, eps);
    if (tracing) download(x, trace->attn_in);
    attention(b, cache, x.as<float>(), T, y.as<float>(), trace);
    if (tracing) download(y, trace->attn_out);
    hc_post(mix.as<float>(), y.as<float>(), h.as<float>(), T, hc, d, h2.as<float>(), current_stream());

    linear(b.hc_ffn.fn.view(), h2.as<float>(), T, mixes.as<float>());
    hc_pre_finish(h2.as<float>(), mixes.as<float>(), b.hc_ffn.base.as<float>(), b.hc_ffn.scale.as<float>(), T, hc, d,
                  c_.hc_sinkhorn_iters, hc_eps, eps, mix.as<float>(), x.as<float>(), current_stream());
    rms_norm_rows(x.as<float>(), b.ffn_norm.as<float>(), T, d, eps);
    if (tracing) download(x, trace->ffn_in);
    moe(b, x.as<float>(), dtokens, T, y.as<float>(), trace);
    if (tracing) download(y, trace->ffn_out);
    hc_post(mix.as<float>(), y.as<float>(), h2.as<float>(), T, hc, d, h.as<float>(), current_stream());
}

DeviceBuffer rounded_copy(const float* x, int64_t rows, int64_t n) {
    DeviceBuffer q(static_cast<size_t>(rows * n) * 4);
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(q.as<float>(), x, q.bytes(), cudaMemcpyDeviceToDevice, current_stream()));
    fp8_round_rows(q.as<float>(), rows, n, n, 128);
    return q;
}

DeviceBuffer project(const DeviceWeight& w, const float* x, int64_t T, LinearInput input = LinearInput::Plain) {
    DeviceBuffer y(static_cast<size_t>(T * w.view().out) * 4);
    linear(w.view(), x, T, y.as<float>(), current_stream(), input);
    return y;
}

void CudaBackend::compress(const DeviceCompressor& w, DeviceCompressorState& st, const float* x, int64_t T, int64_t pos0,
                           const DeviceBuffer& freqs, bool indexer, std::vector<float>* trace_rows) const {
    const int64_t m = w.ratio, c = w.width, pw = m == 4 ? 2 * c : c, r = c_.qk_rope_head_dim;
    auto a = project(w.wkv, x, T);
    auto z = project(w.wgate, x, T);
    add_ape(z.as<float>(), w.ape.as<float>(), T, pw, m, pos0, current_stream());
    // ext = the partial block carried over, then this chunk's rows.
    const int64_t ext_pos0 = pos0 - st.filled, ext_rows = st.filled + T;
    DeviceBuffer ea(static_cast<size_t>(ext_rows * pw) * 4), ez(ea.bytes());
    const size_t carried = static_cast<size_t>(st.filled * pw) * 4;
    if (carried) {
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(ea.as<float>(), st.block_a.as<float>(), carried, cudaMemcpyDeviceToDevice, current_stream()));
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(ez.as<float>(), st.block_z.as<float>(), carried, cudaMemcpyDeviceToDevice, current_stream()));
    }
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(ea.as<uint8_t>() + carried, a.as<float>(), a.bytes(), cudaMemcpyDeviceToDevice, current_stream()));
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(ez.as<uint8_t>() + carried, z.as<float>(), z.bytes(), cudaMemcpyDeviceToDevice, current_stream()));
    const int64_t first_block = ext_pos0 / m, end_block = (pos0 + T) / m, n_blocks = end_block - first_block;
    if (n_blocks > 0) {
        DeviceBuffer rows(static_cast<size_t>(n_blocks * c) * 4);
        compressor_pool(ea.as<float>(), ez.as<float>(), ext_pos0, st.prev_a.as<float>(), st.prev_z.as<float>(), st.has_prev,
                        m, c, first_block, n_blocks, rows.as<float>(), current_stream());
        rms_norm_rows(rows.as<float>(), w.norm.as<float>(), n_blocks, c, static_cast<float>(c_.rms_norm_eps));
        DeviceBuffer dpos(static_cast<size_t>(n_blocks) * 8);
        fill_positions(dpos.as<int64_t>(), first_block * m, m, n_blocks);
        rope_rows(rows.as<float>(), n_blocks, 1, c, c - r, r, freqs.as<float>(), dpos.as<int64_t>(), false);
        if (indexer) hadamard_fp4_rows(rows.as<float>(), n_blocks, c);
        else fp8_round_rows(rows.as<float>(), n_blocks, c, c - r, 64);
        if (trace_rows) {
            auto v = rows.to_host<float>();
            trace_rows->insert(trace_rows->end(), v.begin(), v.end());
        }
        reserve_rows(st, st.count + n_blocks, c);
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(st.rows.as<float>() + st.count * c, rows.as<float>(), rows.bytes(), cudaMemcpyDeviceToDevice, current_stream()));
        st.count += n_blocks;
        if (m == 4) {
            // The last completed block's first halves pool into the next block.
            const int64_t last_row0 = (end_block - 1) * m - ext_pos0;
            FATHOM_CUDA_CHECK(cudaMemcpy2DAsync(st.prev_a.as<float>(), c * 4, ea.as<float>() + last_row0 * pw, pw * 4, c * 4, m, cudaMemcpyDeviceToDevice, current_stream()));
            FATHOM_CUDA_CHECK(cudaMemcpy2DAsync(st.prev_z.as<float>(), c * 4, ez.as<float>() + last_row0 * pw, pw * 4, c * 4, m, cudaMemcpyDeviceToDevice, current_stream()));
            st.has_prev = true;
        }
    }
    const int64_t new_filled = (pos0 + T) % m, tail_row0 = ext_rows - new_filled;
    if (new_filled) {
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(st.block_a.as<float>(), ea.as<float>() + tail_row0 * pw, static_cast<size_t>(new_filled * pw) * 4, cudaMemcpyDeviceToDevice, current_stream()));
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(st.block_z.as<float>(), ez.as<float>() + tail_row0 * pw, static_cast<size_t>(new_filled * pw) * 4, cudaMemcpyDeviceToDevice, current_stream()));
    }
    st.filled = new_filled;
}

void CudaBackend::attention(const DeviceBlock& b, CudaCache& cache, const float* x, int64_t T, float* out, BlockTrace* trace) const {
    const int64_t d = c_.hidden_size, H = c_.num_attention_heads, D = c_.head_dim, r = c_.qk_rope_head_dim, W = c_.sliding_window;
    const float eps = static_cast<float>(c_.rms_norm_eps);
    const int64_t pos0 = cache.next_pos;
    const bool tracing = trace && trace->enabled;
    DeviceBuffer dpos(static_cast<size_t>(T) * 8);
    fill_positions(dpos.as<int64_t>(), pos0, 1, T);

    auto xq = rounded_copy(x, T, d);
    auto qr = project(b.wq_a, xq.as<float>(), T, LinearInput::Fp8Rounded);
    rms_norm_rows(qr.as<float>(), b.q_norm.as<float>(), T, c_.q_lora_rank, eps);
    auto qr_q = rounded_copy(qr.as<float>(), T, c_.q_lora_rank);
    auto q = project(b.wq_b, qr_q.as<float>(), T, LinearInput::Fp8Rounded);
    rms_norm_rows(q.as<float>(), nullptr, T * H, D, eps);
    rope_rows(q.as<float>(), T, H, D, D - r, r, b.freqs.as<float>(), dpos.as<int64_t>(), false);
    auto kv = project(b.wkv, xq.as<float>(), T, LinearInput::Fp8Rounded);
    rms_norm_rows(kv.as<float>(), b.kv_norm.as<float>(), T, D, eps);
    rope_rows(kv.as<float>(), T, 1, D, D - r, r, b.freqs.as<float>(), dpos.as<int64_t>(), false);
    fp8_round_rows(kv.as<float>(), T, D, D - r, 64);
    if (tracing) {
        auto v = kv.to_host<float>();
        trace->kv.insert(trace->kv.end(), v.begin(), v.end());
    }

    if (b.has_compressor) compress(b.comp, cache.kv, x, T, pos0, b.freqs, false, tracing ? &trace->compressed_kv : nullptr);
    DeviceBuffer select;
    const int64_t topk = c_.index_topk;
    if (b.has_indexer) {
        compress(b.index_comp, cache.index, x, T, pos0, b.freqs, true, tracing ? &trace->indexer_keys : nullptr);
        const int64_t IH = c_.index_n_heads, ID = c_.index_head_dim;
        auto iq = project(b.index_wq_b, qr_q.as<float>(), T, LinearInput::Fp8Rounded);
        rope_rows(iq.as<float>(), T, IH, ID, ID - r, r, b.freqs.as<float>(), dpos.as<int64_t>(), false);
        hadamard_fp4_rows(iq.as<float>(), T * IH, ID);
        auto iw = project(b.index_weights_proj, x, T);
        scale(iw.as<float>(), T * IH, 1.0f / std::sqrt(static_cast<float>(ID)) / std::sqrt(static_cast<float>(IH)));
        const int64_t n_rows = cache.index.count;
        DeviceBuffer scores(static_cast<size_t>(std::max<int64_t>(1, T * n_rows)) * 4);
        indexer_scores(iq.as<float>(), iw.as<float>(), cache.index.rows.as<float>(), T, pos0, IH, ID, n_rows, scores.as<float>(), current_stream());
        select = DeviceBuffer(static_cast<size_t>(T * topk) * 4);
        topk_rows(scores.as<float>(), T, n_rows, topk, pos0, 4, select.as<int32_t>(), current_stream());
        if (tracing) {
            auto v = select.to_host<int32_t>();
            trace->indexer_topk.insert(trace->indexer_topk.end(), v.begin(), v.end());
        }
    }

    DeviceBuffer o(static_cast<size_t>(T * H * D) * 4);
    sink_attention(q.as<float>(), kv.as<float>(), cache.ring.as<float>(), b.has_compressor ? cache.kv.rows.as<float>() : nullptr,
                   b.has_indexer ? select.as<int32_t>() : nullptr, topk, b.ratio, b.sink.as<float>(), T, pos0, H, D, W,
                   1.0f / std::sqrt(static_cast<float>(D)), o.as<float>(), current_stream());
    // The window ring keeps the last W rows for the next call.
    for (int64_t p = std::max(pos0, pos0 + T - W); p < pos0 + T; ++p)
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(cache.ring.as<float>() + (p % W) * D, kv.as<float>() + (p - pos0) * D, D * 4, cudaMemcpyDeviceToDevice,
                                          current_stream()));
    cache.next_pos = pos0 + T;
    rope_rows(o.as<float>(), T, H, D, D - r, r, b.freqs.as<float>(), dpos.as<int64_t>(), true);

    const int64_t G = c_.o_groups, OL = c_.o_lora_rank, group_in = H / G * D;
    DeviceBuffer lo(static_cast<size_t>(T * G * OL) * 4);
    if (T == 1) {
        // One token: the groups' inputs and outputs are contiguous slices, so all groups run in one launch.
        std::vector<GemvTask> tasks;
        for (int64_t g = 0; g < G; ++g) tasks.push_back({b.wo_a.rows(g * OL, OL), o.as<float>() + g * group_in, lo.as<float>() + g * OL});
        grouped_gemv(tasks, current_stream());
    }
    DeviceBuffer gin(static_cast<size_t>(T * group_in) * 4), gout(static_cast<size_t>(T * OL) * 4);
    for (int64_t g = 0; g < G && T > 1; ++g) {
        FATHOM_CUDA_CHECK(cudaMemcpy2DAsync(gin.as<float>(), group_in * 4, o.as<float>() + g * group_in, H * D * 4, group_in * 4, T, cudaMemcpyDeviceToDevice, current_stream()));
        linear(b.wo_a.rows(g * OL, OL), gin.as<float>(), T, gout.as<float>());
        FATHOM_CUDA_CHECK(cudaMemcpy2DAsync(lo.as<float>() + g * OL, G * OL * 4, gout.as<float>(), OL * 4, OL * 4, T, cudaMemcpyDeviceToDevice, current_stream()));
    }
    fp8_round_rows(lo.as<float>(), T, G * OL, G * OL, 128);
    linear(b.wo_b.view(), lo.as<float>(), T, out, current_stream(), LinearInput::Fp8Rounded);
}

void CudaBackend::moe(const DeviceBlock& b, const float* x, const DeviceBuffer& tokens, int64_t T, float* out, BlockTrace* trace) const {
    const int64_t d = c_.hidden_size, E = c_.n_routed_experts, k = c_.num_experts_per_tok;
    auto u = project(b.gate, x, T);
    DeviceBuffer experts(static_cast<size_t>(T * k) * 4), weights(static_cast<size_t>(T * k) * 4);
    moe_route(u.as<float>(), b.gate_bias.as<float>(), b.tid2eid.bytes() ? b.tid2eid.as<int64_t>() : nullptr, tokens.as<int64_t>(),
              T, E, k, static_cast<float>(c_.routed_scaling_factor), experts.as<int32_t>(), weights.as<float>(), current_stream());
    std::vector<std::array<DeviceWeightView, 3>> shared;
    for (const auto& e : b.shared) shared.push_back({e.w1.view(), e.w2.view(), e.w3.view()});
    if (T == 1 && offload_->routes_on_device()) {
        // Every routed expert is resident: the routing stays on the GPU and nothing waits for the host, which is
        // what lets a decode step be recorded as a graph.
        auto xq = rounded_copy(x, T, d);
        FATHOM_CUDA_CHECK(cudaMemsetAsync(out, 0, static_cast<size_t>(d) * 4, current_stream()));
        offload_->run_resident_token(block_index(b), xq.as<float>(), experts.as<int32_t>(), weights.as<float>(), shared, out);
        if (trace && trace->enabled) {
            const auto he = experts.to_host<int32_t>();
            trace->experts.insert(trace->experts.end(), he.begin(), he.end());
        }
        return;
    }
    // One synchronisation per layer: the host needs the routing to dispatch the experts.
    std::vector<int32_t> he(static_cast<size_t>(T * k));
    std::vector<float> hw(static_cast<size_t>(T * k));
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(he.data(), experts.as<int32_t>(), he.size() * 4, cudaMemcpyDeviceToHost, current_stream()));
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(hw.data(), weights.as<float>(), hw.size() * 4, cudaMemcpyDeviceToHost, current_stream()));
    FATHOM_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    if (trace && trace->enabled) trace->experts.insert(trace->experts.end(), he.begin(), he.end());
    auto xq = rounded_copy(x, T, d);
    FATHOM_CUDA_CHECK(cudaMemsetAsync(out, 0, static_cast<size_t>(T * d) * 4, current_stream()));
    offload_->run(block_index(b), xq.as<float>(), T, he, hw, shared, out);
}

std::vector<float> download_floats(const DeviceBuffer& b, size_t count) {
    std::vector<float> v(count);
    if (count) FATHOM_CUDA_CHECK(cudaMemcpy(v.data(), b.as<float>(), count * 4, cudaMemcpyDeviceToHost));
    return v;
}

void upload_floats(DeviceBuffer& b, const std::vector<float>& v) {
    if (v.size() * 4 != b.bytes()) b = DeviceBuffer(v.size() * 4);
    if (!v.empty()) FATHOM_CUDA_CHECK(cudaMemcpy(b.as<float>(), v.data(), v.size() * 4, cudaMemcpyHostToDevice));
}

cpu::CompressorState to_host(const DeviceCompressorState& d, int64_t width) {
    cpu::CompressorState h;
    h.block_a = download_floats(d.block_a, d.block_a.bytes() / 4);
    h.block_z = download_floats(d.block_z, d.block_z.bytes() / 4);
    h.prev_a = download_floats(d.prev_a, d.prev_a.bytes() / 4);
    h.prev_z = download_floats(d.prev_z, d.prev_z.bytes() / 4);
    h.rows = download_floats(d.rows, static_cast<size_t>(d.count * width));
    h.filled = d.filled;
    h.has_prev = d.has_prev;
    h.count = d.count;
    return h;
}

void to_device(const cpu::CompressorState& h, DeviceCompressorState& d) {
    upload_floats(d.block_a, h.block_a);
    upload_floats(d.block_z, h.block_z);
    upload_floats(d.prev_a, h.prev_a);
    upload_floats(d.prev_z, h.prev_z);
    upload_floats(d.rows, h.rows);
    d.capacity = h.count;  // the rows buffer holds exactly the restored rows; appends grow it
    d.filled = h.filled;
    d.has_prev = h.has_prev;
    d.count = h.count;
}

std::vector<uint8_t> CudaBackend::snapshot(const std::vector<std::unique_ptr<BlockCache>>& caches, const std::vector<int64_t>& tokens) const {
    SessionState st;
    st.tokens = tokens;
    for (size_t i = 0; i < caches.size(); ++i) {
        const auto& c = static_cast<const CudaCache&>(*caches[i]);
        BlockState b;
        b.next_pos = c.next_pos;
        b.window = download_floats(c.ring, c.ring.bytes() / 4);
        const auto& blk = blocks_[i];
        if (blk.has_compressor) b.kv = to_host(c.kv, blk.comp.width);
        if (blk.has_indexer) b.index = to_host(c.index, blk.index_comp.width);
        st.blocks.push_back(std::move(b));
    }
    return serialize_session(st, m_.fingerprint());
}

std::vector<std::unique_ptr<BlockCache>> CudaBackend::restore(std::span<const uint8_t> bytes, std::vector<int64_t>& tokens) const {
    std::vector<BlockState> templates;
    for (int64_t i = 0; i < m_.num_blocks(); ++i) templates.push_back(m_.block(i).new_state());
    SessionState st = deserialize_session(bytes, m_.fingerprint(), templates, m_.block_layouts());
    std::vector<std::unique_ptr<BlockCache>> caches;
    for (size_t i = 0; i < st.blocks.size(); ++i) {
        auto cache = new_cache(static_cast<int64_t>(i));
        auto& c = static_cast<CudaCache&>(*cache);
        const BlockState& b = st.blocks[i];
        c.next_pos = b.next_pos;
        upload_floats(c.ring, b.window);
        if (blocks_[i].has_compressor) to_device(b.kv, c.kv);
        if (blocks_[i].has_indexer) to_device(b.index, c.index);
        caches.push_back(std::move(cache));
    }
    tokens = std::move(st.tokens);
    return caches;
}

}  // namespace

std::unique_ptr<ForwardBackend> make_cuda_backend(const runtime::Model& model, const ExpertOffloadOptions& offload,
                                                  const CudaBackendOptions& options) {
    return std::make_unique<CudaBackend>(model, offload, options);
}

}  // namespace fathom::cuda
