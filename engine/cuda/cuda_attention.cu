// Attention of one block on the GPU: the projections, the compressors (CSA, HCA) and the lightning indexer, sink
// attention over the window ring and the chosen compressed rows, the grouped output projection.
#include "cuda/cuda_backend_impl.cuh"

#include "cuda/compressor_step.cuh"

namespace fathom::cuda::backend {

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

DeviceBuffer rounded_copy(const float* x, int64_t rows, int64_t n) {
    DeviceBuffer q(static_cast<size_t>(rows * n) * 4);
    fp8_round_copy_rows(q.as<float>(), x, rows, n, 128);
    return q;
}

DeviceBuffer project(const DeviceWeight& w, const float* x, int64_t T, LinearInput input) {
    DeviceBuffer y(static_cast<size_t>(T * w.view().out) * 4);
    linear(w.view(), x, T, y.as<float>(), current_stream(), input);
    return y;
}

void CudaBackend::compress(const DeviceCompressor& w, DeviceCompressorState& st, const float* x, int64_t T, int64_t pos0,
                           const DeviceBuffer& freqs, bool indexer, std::vector<float>* trace_rows) const {
    const int64_t m = w.ratio, c = w.width, pw = m == 4 ? 2 * c : c, r = c_.qk_rope_head_dim;
    // ext = the partial block carried over, then this chunk's rows (projected straight into place).
    const int64_t ext_pos0 = pos0 - st.filled, ext_rows = st.filled + T;
    DeviceBuffer ea(static_cast<size_t>(ext_rows * pw) * 4), ez(ea.bytes());
    const size_t carried = static_cast<size_t>(st.filled * pw) * 4;
    if (carried) {
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(ea.as<float>(), st.block_a.as<float>(), carried, cudaMemcpyDeviceToDevice, current_stream()));
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(ez.as<float>(), st.block_z.as<float>(), carried, cudaMemcpyDeviceToDevice, current_stream()));
    }
    float* chunk_a = ea.as<float>() + st.filled * pw;
    float* chunk_z = ez.as<float>() + st.filled * pw;
    linear(w.wkv.view(), x, T, chunk_a, current_stream());
    linear(w.wgate.view(), x, T, chunk_z, current_stream());
    add_ape(chunk_z, w.ape.as<float>(), T, pw, m, pos0, current_stream());
    const int64_t first_block = ext_pos0 / m, end_block = (pos0 + T) / m, n_blocks = end_block - first_block;
    if (n_blocks > 0) {
        DeviceBuffer rows(static_cast<size_t>(n_blocks * c) * 4);
        compressor_pool(ea.as<float>(), ez.as<float>(), ext_pos0, st.prev_a.as<float>(), st.prev_z.as<float>(), st.has_prev,
                        m, c, first_block, n_blocks, rows.as<float>(), current_stream());
        rms_norm_rows(rows.as<float>(), w.norm.as<float>(), n_blocks, c, static_cast<float>(c_.rms_norm_eps));
        DeviceBuffer block_pos(static_cast<size_t>(n_blocks) * 8);
        fill_positions(block_pos.as<int64_t>(), first_block * m, m, n_blocks);
        rope_rows(rows.as<float>(), n_blocks, 1, c, c - r, r, freqs.as<float>(), block_pos.as<int64_t>(), false);
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
            copy_rows(st.prev_a.as<float>(), c, ea.as<float>() + last_row0 * pw, pw, c, m);
            copy_rows(st.prev_z.as<float>(), c, ez.as<float>() + last_row0 * pw, pw, c, m);
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

void CudaBackend::compress_one_token(const DeviceCompressor& w, DeviceCompressorState& st, const float* x, const DeviceBuffer& freqs,
                                     bool indexer, const int64_t* device_pos) const {
    if (st.capacity < st.count + 1) throw Error("internal: compressed rows must be reserved before a one-token step");
    auto a = project(w.wkv, x, 1);
    auto z = project(w.wgate, x, 1);
    CompressorStep step;
    step.a = a.as<float>();
    step.z = z.as<float>();
    step.ape = w.ape.as<float>();
    step.block_a = st.block_a.as<float>();
    step.block_z = st.block_z.as<float>();
    step.prev_a = st.prev_a.as<float>();
    step.prev_z = st.prev_z.as<float>();
    step.rows = st.rows.as<float>();
    step.norm = w.norm.as<float>();
    step.freqs = freqs.as<float>();
    step.position = device_pos;
    step.ratio = w.ratio;
    step.width = w.width;
    step.rope_dims = c_.qk_rope_head_dim;
    step.eps = static_cast<float>(c_.rms_norm_eps);
    step.indexer = indexer;
    compressor_step(step);
}

void CudaBackend::attention(const DeviceBlock& b, CudaCache& cache, const float* x, int64_t T, float* out, BlockTrace* trace,
                            const int64_t* device_pos) const {
    const int64_t d = c_.hidden_size, H = c_.num_attention_heads, D = c_.head_dim, r = c_.qk_rope_head_dim, W = c_.sliding_window;
    const float eps = static_cast<float>(c_.rms_norm_eps);
    const int64_t pos0 = cache.next_pos;
    const bool tracing = trace && trace->enabled;
    // device_pos: a one-token step whose position is read on the device, so its recording replays at any position
    // (no host value below may depend on the position; the caches' host counters move after the step).
    const bool replayable = device_pos != nullptr;
    if (replayable && (T != 1 || tracing)) throw Error("internal: a replayable step is one token, untraced");
    DeviceBuffer dpos_buffer;
    const int64_t* dpos = device_pos;
    if (!replayable) {
        dpos_buffer = DeviceBuffer(static_cast<size_t>(T) * 8);
        fill_positions(dpos_buffer.as<int64_t>(), pos0, 1, T);
        dpos = dpos_buffer.as<int64_t>();
    }

    auto xq = rounded_copy(x, T, d);
    auto qr = project(b.wq_a, xq.as<float>(), T, LinearInput::Fp8Rounded);
    rms_norm_rows(qr.as<float>(), b.q_norm.as<float>(), T, c_.q_lora_rank, eps);
    auto qr_q = rounded_copy(qr.as<float>(), T, c_.q_lora_rank);
    auto q = project(b.wq_b, qr_q.as<float>(), T, LinearInput::Fp8Rounded);
    rms_norm_rows(q.as<float>(), nullptr, T * H, D, eps);
    rope_rows(q.as<float>(), T, H, D, D - r, r, b.freqs.as<float>(), dpos, false);
    auto kv = project(b.wkv, xq.as<float>(), T, LinearInput::Fp8Rounded);
    rms_norm_rows(kv.as<float>(), b.kv_norm.as<float>(), T, D, eps);
    rope_rows(kv.as<float>(), T, 1, D, D - r, r, b.freqs.as<float>(), dpos, false);
    fp8_round_rows(kv.as<float>(), T, D, D - r, 64);
    if (tracing) {
        auto v = kv.to_host<float>();
        trace->kv.insert(trace->kv.end(), v.begin(), v.end());
    }

    if (b.has_compressor) {
        if (replayable) compress_one_token(b.comp, cache.kv, x, b.freqs, false, dpos);
        else compress(b.comp, cache.kv, x, T, pos0, b.freqs, false, tracing ? &trace->compressed_kv : nullptr);
    }
    DeviceBuffer select;
    const int64_t topk = c_.index_topk;
    if (b.has_indexer) {
        if (replayable) compress_one_token(b.index_comp, cache.index, x, b.freqs, true, dpos);
        else compress(b.index_comp, cache.index, x, T, pos0, b.freqs, true, tracing ? &trace->indexer_keys : nullptr);
        const int64_t IH = c_.index_n_heads, ID = c_.index_head_dim;
        auto iq = project(b.index_wq_b, qr_q.as<float>(), T, LinearInput::Fp8Rounded);
        rope_rows(iq.as<float>(), T, IH, ID, ID - r, r, b.freqs.as<float>(), dpos, false);
        hadamard_fp4_rows(iq.as<float>(), T * IH, ID);
        auto iw = project(b.index_weights_proj, x, T);
        scale(iw.as<float>(), T * IH, 1.0f / std::sqrt(static_cast<float>(ID)) / std::sqrt(static_cast<float>(IH)));
        // Replayable: every row the buffer can hold (those not yet visible score -inf and are never chosen).
        const int64_t n_rows = replayable ? cache.index.capacity : cache.index.count;
        DeviceBuffer scores(static_cast<size_t>(std::max<int64_t>(1, T * n_rows)) * 4);
        if (replayable)
            indexer_scores_one_token(iq.as<float>(), iw.as<float>(), cache.index.rows.as<float>(), dpos, IH, ID, n_rows, scores.as<float>(),
                                     current_stream());
        else
            indexer_scores(iq.as<float>(), iw.as<float>(), cache.index.rows.as<float>(), T, pos0, IH, ID, n_rows, scores.as<float>(),
                           current_stream());
        select = DeviceBuffer(static_cast<size_t>(T * topk) * 4);
        topk_rows(scores.as<float>(), T, n_rows, topk, pos0, 4, select.as<int32_t>(), current_stream());
        if (tracing) {
            auto v = select.to_host<int32_t>();
            trace->indexer_topk.insert(trace->indexer_topk.end(), v.begin(), v.end());
        }
    }

    DeviceBuffer o(static_cast<size_t>(T * H * D) * 4);
    const float* compressed = b.has_compressor ? cache.kv.rows.as<float>() : nullptr;
    const int32_t* chosen = b.has_indexer ? select.as<int32_t>() : nullptr;
    const float attn_scale = 1.0f / std::sqrt(static_cast<float>(D));
    if (replayable) {
        sink_attention_one_token(q.as<float>(), kv.as<float>(), cache.ring.as<float>(), compressed, chosen, topk, b.ratio, b.sink.as<float>(),
                                 dpos, cache.kv.capacity, H, D, W, attn_scale, o.as<float>(), current_stream());
        write_window_row(cache.ring.as<float>(), kv.as<float>(), dpos, W, D, current_stream());
    } else {
        sink_attention(q.as<float>(), kv.as<float>(), cache.ring.as<float>(), compressed, chosen, topk, b.ratio, b.sink.as<float>(), T, pos0,
                       H, D, W, attn_scale, o.as<float>(), current_stream());
        // The window ring keeps the last W rows for the next call.
        for (int64_t p = std::max(pos0, pos0 + T - W); p < pos0 + T; ++p)
            FATHOM_CUDA_CHECK(cudaMemcpyAsync(cache.ring.as<float>() + (p % W) * D, kv.as<float>() + (p - pos0) * D, D * 4,
                                              cudaMemcpyDeviceToDevice, current_stream()));
        cache.next_pos = pos0 + T;
    }
    rope_rows(o.as<float>(), T, H, D, D - r, r, b.freqs.as<float>(), dpos, true);

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

}  // namespace fathom::cuda::backend
