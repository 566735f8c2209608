#include "cuda/cuda_backend_impl.cuh"

#include "cuda/cuda_log.hpp"

namespace fathom::cuda {

namespace backend {

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

}  // namespace

DeviceHc::DeviceHc(const HcWeights& h, int64_t rows, int64_t cols)
    : fn(f32_matrix(h.fn, rows, cols)), base(upload(h.base)), scale(upload(h.scale)) {}

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
    if (options.decode_graphs) {
        graph_token_ = DeviceBuffer(sizeof(int64_t));
        graph_pos_ = DeviceBuffer(sizeof(int64_t));
        graph_logits_ = DeviceBuffer(static_cast<size_t>(c_.vocab_size) * 4);
        if (offload_->routes_on_device()) {
            graph_ = std::make_unique<DecodeGraph>(options.decode_scratch_bytes);
        } else {
            // One graph per layer, twice over (two conversations' caches) before the least recent is dropped.
            layer_graphs_ = std::make_unique<DecodeGraph>(options.decode_scratch_bytes, static_cast<size_t>(2 * num_blocks() + 2));
            const int64_t k = c_.num_experts_per_tok;
            layer_io_.h = DeviceBuffer(static_cast<size_t>(hc * d) * 4);
            layer_io_.h2 = DeviceBuffer(static_cast<size_t>(hc * d) * 4);
            layer_io_.mix = DeviceBuffer(static_cast<size_t>(2 * hc + hc * hc) * 4);
            layer_io_.y = DeviceBuffer(static_cast<size_t>(d) * 4);
            layer_io_.xq = DeviceBuffer(static_cast<size_t>(d) * 4);
            layer_io_.experts = DeviceBuffer(static_cast<size_t>(k) * 4);
            layer_io_.weights = DeviceBuffer(static_cast<size_t>(k) * 4);
        }
    }
}

int64_t CudaBackend::preferred_prefill_chunk(int64_t position) const {
    constexpr int64_t kLargest = 2048, kSmallest = 256;
    size_t free = 0, total = 0;
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
        cudaGetLastError();
        return kSmallest;
    }
    // Memory the pool holds but no buffer uses is as good as free.
    cudaMemPool_t pool;
    uint64_t reserved = 0, used = 0;
    if (cudaDeviceGetDefaultMemPool(&pool, 0) == cudaSuccess &&
        cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved) == cudaSuccess &&
        cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &used) == cudaSuccess && reserved > used)
        free += reserved - used;
    cudaGetLastError();
    const uint64_t per_token = prefill_bytes_per_token(c_, position + kLargest);
    int64_t chunk = kLargest;
    while (chunk > kSmallest && static_cast<uint64_t>(chunk) * per_token > free / 2) chunk /= 2;
    return chunk;
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
        // Zeroed: the parts not yet written are stored in snapshots too, which must not carry stale GPU memory.
        for (DeviceBuffer* b : {&s.block_a, &s.block_z, &s.prev_a, &s.prev_z})
            FATHOM_CUDA_CHECK(cudaMemsetAsync(b->as<float>(), 0, b->bytes(), current_stream()));
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
    if (T == 1 && graph_ && !graphs_failed_) graph_step(caches, tokens[0], last_logits, hc_times_d);
    else if (T == 1 && layer_graphs_ && !graphs_failed_) offload_graph_step(caches, tokens[0], last_logits, hc_times_d);
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

int64_t CudaBackend::prepare_one_token_step(std::vector<std::unique_ptr<BlockCache>>& caches) const {
    const int64_t pos = static_cast<const CudaCache&>(*caches.front()).next_pos;
    if (pos + 1 > c_.max_position_embeddings) throw Error("context exceeds the model's maximum");
    // Room for this token's compressed rows first: a recording cannot allocate lasting memory, and a buffer that
    // grows moves (a new binding, so the step is recorded again).
    for (int64_t i = 0; i < num_blocks(); ++i) {
        auto& cache = static_cast<CudaCache&>(*caches[static_cast<size_t>(i)]);
        const auto& b = blocks_[static_cast<size_t>(i)];
        if (cache.next_pos != pos) throw Error("internal: the blocks' caches are at different positions");
        if (b.has_compressor) reserve_rows(cache.kv, cache.kv.count + 1, b.comp.width);
        if (b.has_indexer) reserve_rows(cache.index, cache.index.count + 1, b.index_comp.width);
    }
    return pos;
}

void CudaBackend::graph_step(std::vector<std::unique_ptr<BlockCache>>& caches, int64_t token, float* last_logits, int64_t hc_times_d) const {
    const int64_t pos = prepare_one_token_step(caches);
    const cudaStream_t s = graph_->stream();
    // Pageable sources: each copy has taken its value when the call returns.
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(graph_token_.as<int64_t>(), &token, sizeof token, cudaMemcpyHostToDevice, s));
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(graph_pos_.as<int64_t>(), &pos, sizeof pos, cudaMemcpyHostToDevice, s));
    const uint64_t binding = step_binding(caches, hc_times_d);
    if (graph_->replay(binding)) {
        offload_->note_resident_token_steps(num_blocks());  // what the recording counted for each layer
    } else {
        try {
            graph_->record_and_launch(binding, [&] { record_step(caches, hc_times_d); });
        } catch (const Error& e) {
            // Nothing of the recording ran on the GPU and no host counter moved: the eager step is the same step.
            graphs_failed_ = true;
            log_warning(std::string("decode graphs turned off for this model (steps run kernel by kernel from now on): ") + e.what());
            eager_step(caches, &token, 1, last_logits, hc_times_d);
            return;
        }
    }
    advance_counters(caches, caches.size());
    ++graph_steps_;
    last_logits_ = graph_logits_.as<float>();
    if (last_logits)
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(last_logits, graph_logits_.as<float>(), graph_logits_.bytes(), cudaMemcpyDeviceToHost, s));
    FATHOM_CUDA_CHECK(cudaStreamSynchronize(s));
}

void CudaBackend::offload_graph_step(std::vector<std::unique_ptr<BlockCache>>& caches, int64_t token, float* last_logits,
                                     int64_t hc_times_d) const {
    const int64_t pos = prepare_one_token_step(caches);
    const int64_t hc = c_.hc_mult, d = c_.hidden_size;
    if (hc_times_d != hc * d) throw Error("internal: hidden state width");
    const cudaStream_t s = layer_graphs_->stream();
    StreamScope on(s);
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(graph_token_.as<int64_t>(), &token, sizeof token, cudaMemcpyHostToDevice, s));
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(graph_pos_.as<int64_t>(), &pos, sizeof pos, cudaMemcpyHostToDevice, s));
    cuda::embed(reinterpret_cast<const uint16_t*>(embed_.view().data), graph_token_.as<int64_t>(), 1, hc, d, layer_io_.h.as<float>(), s);
    // A recording that fails turns graphs off: that layer and the ones after it run kernel by kernel (the layers
    // before it already ran on the device; their host counters move below).
    auto first_eager = static_cast<size_t>(num_blocks());
    for (int64_t i = 0; i < num_blocks(); ++i) {
        auto& cache = static_cast<CudaCache&>(*caches[static_cast<size_t>(i)]);
        const auto& b = blocks_[static_cast<size_t>(i)];
        if (static_cast<size_t>(i) < first_eager) {
            const uint64_t binding = bind_cache((1469598103934665603ull ^ static_cast<uint64_t>(i)) * 1099511628211ull, cache);
            if (!layer_graphs_->replay(binding)) {
                try {
                    layer_graphs_->record_and_launch(binding, [&] { record_until_routing(i, cache); });
                } catch (const Error& e) {
                    graphs_failed_ = true;
                    first_eager = static_cast<size_t>(i);
                    log_warning(std::string("decode graphs turned off for this model (steps run kernel by kernel from now on): ") + e.what());
                }
            }
        }
        if (static_cast<size_t>(i) >= first_eager) {
            run_block_on_device(i, cache, &token, graph_token_, 1, layer_io_.h, nullptr);
            continue;
        }
        dispatch_routed(b, layer_io_.xq.as<float>(), layer_io_.experts.as<int32_t>(), layer_io_.weights.as<float>(), 1,
                        layer_io_.y.as<float>(), nullptr);
        hc_post(layer_io_.mix.as<float>(), layer_io_.y.as<float>(), layer_io_.h2.as<float>(), 1, hc, d, layer_io_.h.as<float>(), s);
    }
    head_on_device(layer_io_.h.as<float>(), 1, graph_logits_.as<float>());
    advance_counters(caches, first_eager);
    if (first_eager == caches.size()) ++graph_steps_;
    else ++eager_steps_;
    last_logits_ = graph_logits_.as<float>();
    if (last_logits)
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(last_logits, graph_logits_.as<float>(), graph_logits_.bytes(), cudaMemcpyDeviceToHost, s));
    FATHOM_CUDA_CHECK(cudaStreamSynchronize(s));
}

void CudaBackend::record_until_routing(int64_t block, CudaCache& cache) const {
    // run_block_on_device and moe() for one token up to the routing, with the hand-over buffers at fixed addresses.
    const auto& b = blocks_.at(static_cast<size_t>(block));
    const int64_t d = c_.hidden_size;
    DeviceBuffer x(static_cast<size_t>(d) * 4);
    block_until_ffn(b, cache, layer_io_.h.as<float>(), 1, layer_io_.h2.as<float>(), layer_io_.mix.as<float>(), x.as<float>(), nullptr,
                    graph_pos_.as<int64_t>());
    route(b, x.as<float>(), graph_token_.as<int64_t>(), 1, layer_io_.experts.as<int32_t>(), layer_io_.weights.as<float>());
    fp8_round_copy_rows(layer_io_.xq.as<float>(), x.as<float>(), 1, d, 128);
    FATHOM_CUDA_CHECK(cudaMemsetAsync(layer_io_.y.as<float>(), 0, static_cast<size_t>(d) * 4, current_stream()));
}

void CudaBackend::record_step(std::vector<std::unique_ptr<BlockCache>>& caches, int64_t hc_times_d) const {
    DeviceBuffer h(static_cast<size_t>(hc_times_d) * 4);
    cuda::embed(reinterpret_cast<const uint16_t*>(embed_.view().data), graph_token_.as<int64_t>(), 1, c_.hc_mult, c_.hidden_size, h.as<float>(),
                current_stream());
    for (int64_t i = 0; i < num_blocks(); ++i)
        run_block_on_device(i, static_cast<CudaCache&>(*caches[static_cast<size_t>(i)]), nullptr, graph_token_, 1, h, nullptr,
                            graph_pos_.as<int64_t>());
    head_on_device(h.as<float>(), 1, graph_logits_.as<float>());
}

uint64_t bind_cache(uint64_t key, const CudaCache& c) {
    // FNV-1a over every buffer address and size a recorded step touches in this cache.
    auto mix = [&](uint64_t v) { key = (key ^ v) * 1099511628211ull; };
    mix(reinterpret_cast<uint64_t>(c.ring.as<void>()));
    for (const DeviceCompressorState* st : {&c.kv, &c.index})
        for (const DeviceBuffer* b : {&st->block_a, &st->block_z, &st->prev_a, &st->prev_z, &st->rows}) {
            mix(reinterpret_cast<uint64_t>(b->as<void>()));
            mix(b->bytes());
        }
    mix(static_cast<uint64_t>(c.kv.capacity));
    mix(static_cast<uint64_t>(c.index.capacity));
    return key;
}

uint64_t CudaBackend::step_binding(const std::vector<std::unique_ptr<BlockCache>>& caches, int64_t hc_times_d) const {
    uint64_t key = (1469598103934665603ull ^ static_cast<uint64_t>(hc_times_d)) * 1099511628211ull;
    for (const auto& base : caches) key = bind_cache(key, static_cast<const CudaCache&>(*base));
    return key;
}

void CudaBackend::advance_counters(std::vector<std::unique_ptr<BlockCache>>& caches, size_t blocks) const {
    for (size_t i = 0; i < blocks; ++i) {
        auto& c = static_cast<CudaCache&>(*caches[i]);
        const auto& b = blocks_[i];
        ++c.next_pos;
        auto advance = [&](DeviceCompressorState& st, const DeviceCompressor& w) {
            // As the chunked path leaves them: one more row per completed block, the partial block's length, and
            // (ratio 4) the first halves of a completed block kept.
            st.filled = c.next_pos % w.ratio;
            st.count = c.next_pos / w.ratio;
            if (w.ratio == 4 && st.count > 0) st.has_prev = true;
        };
        if (b.has_compressor) advance(c.kv, b.comp);
        if (b.has_indexer) advance(c.index, b.index_comp);
    }
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

void CudaBackend::block_until_ffn(const DeviceBlock& b, CudaCache& cache, const float* h, int64_t T, float* h2, float* ffn_mix, float* x,
                                  BlockTrace* trace, const int64_t* device_pos) const {
    const int64_t hc = c_.hc_mult, d = c_.hidden_size, mix_w = 2 * hc + hc * hc;
    const float eps = static_cast<float>(c_.rms_norm_eps), hc_eps = static_cast<float>(c_.hc_eps);
    const bool tracing = trace && trace->enabled;
    DeviceBuffer mixes(static_cast<size_t>(T * (2 + hc) * hc) * 4), mix(static_cast<size_t>(T * mix_w) * 4);
    DeviceBuffer y(static_cast<size_t>(T * d) * 4);
    auto download = [&](const float* buf, std::vector<float>& dst) {
        std::vector<float> v(static_cast<size_t>(T * d));
        FATHOM_CUDA_CHECK(cudaMemcpy(v.data(), buf, v.size() * 4, cudaMemcpyDeviceToHost));
        dst.insert(dst.end(), v.begin(), v.end());
    };

    linear(b.hc_attn.fn.view(), h, T, mixes.as<float>());
    hc_pre_finish(h, mixes.as<float>(), b.hc_attn.base.as<float>(), b.hc_attn.scale.as<float>(), T, hc, d, c_.hc_sinkhorn_iters, hc_eps,
                  eps, mix.as<float>(), x, current_stream());
    rms_norm_rows(x, b.attn_norm.as<float>(), T, d, eps);
    if (tracing) download(x, trace->attn_in);
    attention(b, cache, x, T, y.as<float>(), trace, device_pos);
    if (tracing) download(y.as<float>(), trace->attn_out);
    hc_post(mix.as<float>(), y.as<float>(), h, T, hc, d, h2, current_stream());

    linear(b.hc_ffn.fn.view(), h2, T, mixes.as<float>());
    hc_pre_finish(h2, mixes.as<float>(), b.hc_ffn.base.as<float>(), b.hc_ffn.scale.as<float>(), T, hc, d, c_.hc_sinkhorn_iters, hc_eps, eps,
                  ffn_mix, x, current_stream());
    rms_norm_rows(x, b.ffn_norm.as<float>(), T, d, eps);
    if (tracing) download(x, trace->ffn_in);
}

void CudaBackend::route(const DeviceBlock& b, const float* x, const int64_t* tokens, int64_t T, int32_t* experts, float* weights) const {
    auto u = project(b.gate, x, T);
    moe_route(u.as<float>(), b.gate_bias.as<float>(), b.tid2eid.bytes() ? b.tid2eid.as<int64_t>() : nullptr, tokens, T, c_.n_routed_experts,
              c_.num_experts_per_tok, static_cast<float>(c_.routed_scaling_factor), experts, weights, current_stream());
}

void CudaBackend::run_block_on_device(int64_t block, CudaCache& cache, const int64_t* tokens, const DeviceBuffer& dtokens,
                                      int64_t T, DeviceBuffer& h, BlockTrace* trace, const int64_t* device_pos) const {
    const auto& b = blocks_.at(static_cast<size_t>(block));
    const int64_t hc = c_.hc_mult, d = c_.hidden_size, mix_w = 2 * hc + hc * hc;
    if (cache.next_pos + T > c_.max_position_embeddings) throw Error("context exceeds the model's maximum");
    (void)tokens;
    DeviceBuffer h2(h.bytes()), mix(static_cast<size_t>(T * mix_w) * 4);
    DeviceBuffer x(static_cast<size_t>(T * d) * 4), y(static_cast<size_t>(T * d) * 4);
    block_until_ffn(b, cache, h.as<float>(), T, h2.as<float>(), mix.as<float>(), x.as<float>(), trace, device_pos);
    moe(b, x.as<float>(), dtokens, T, y.as<float>(), trace);
    if (trace && trace->enabled) {
        auto v = y.to_host<float>();
        trace->ffn_out.insert(trace->ffn_out.end(), v.begin(), v.end());
    }
    hc_post(mix.as<float>(), y.as<float>(), h2.as<float>(), T, hc, d, h.as<float>(), current_stream());
}

void CudaBackend::moe(const DeviceBlock& b, const float* x, const DeviceBuffer& tokens, int64_t T, float* out, BlockTrace* trace) const {
    const int64_t d = c_.hidden_size, k = c_.num_experts_per_tok;
    DeviceBuffer experts(static_cast<size_t>(T * k) * 4), weights(static_cast<size_t>(T * k) * 4);
    route(b, x, tokens.as<int64_t>(), T, experts.as<int32_t>(), weights.as<float>());
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
    auto xq = rounded_copy(x, T, d);
    FATHOM_CUDA_CHECK(cudaMemsetAsync(out, 0, static_cast<size_t>(T * d) * 4, current_stream()));
    dispatch_routed(b, xq.as<float>(), experts.as<int32_t>(), weights.as<float>(), T, out, trace);
}

void CudaBackend::dispatch_routed(const DeviceBlock& b, const float* xq, const int32_t* experts, const float* weights, int64_t T,
                                  float* out, BlockTrace* trace) const {
    const int64_t k = c_.num_experts_per_tok;
    // One synchronisation per layer: the host needs the routing to dispatch the experts.
    std::vector<int32_t> he(static_cast<size_t>(T * k));
    std::vector<float> hw(static_cast<size_t>(T * k));
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(he.data(), experts, he.size() * 4, cudaMemcpyDeviceToHost, current_stream()));
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(hw.data(), weights, hw.size() * 4, cudaMemcpyDeviceToHost, current_stream()));
    FATHOM_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    if (trace && trace->enabled) trace->experts.insert(trace->experts.end(), he.begin(), he.end());
    std::vector<std::array<DeviceWeightView, 3>> shared;
    for (const auto& e : b.shared) shared.push_back({e.w1.view(), e.w2.view(), e.w3.view()});
    offload_->run(block_index(b), xq, T, he, hw, shared, out);
}

}  // namespace backend

std::unique_ptr<ForwardBackend> make_cuda_backend(const runtime::Model& model, const ExpertOffloadOptions& offload,
                                                  const CudaBackendOptions& options) {
    return std::make_unique<backend::CudaBackend>(model, offload, options);
}

}  // namespace fathom::cuda
