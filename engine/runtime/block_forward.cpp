#include "runtime/block_forward.hpp"

#include "cpu/expert_batch.hpp"

#include "cpu/lightning_indexer.hpp"
#include "cpu/quantize.hpp"
#include "cpu/rms_norm.hpp"
#include "cpu/sink_attention.hpp"
#include "cpu/thread_pool.hpp"
#include "fathom/error.hpp"

#include <algorithm>
#include <cmath>

namespace fathom {

namespace {

cpu::CompressorParams compressor_params(const CompressorWeights& w, const ModelConfig& c, const cpu::Rope& rope,
                                        cpu::CompressedRounding rounding) {
    cpu::CompressorParams p;
    p.ratio = w.ratio;
    p.width = w.width;
    p.ape = w.ape.data();
    p.norm = w.norm.data();
    p.norm_eps = static_cast<float>(c.rms_norm_eps);
    p.rope = &rope;
    p.rounding = rounding;
    return p;
}

// Copies x and applies the FP8 activation rounding row by row (the input of every FP8/FP4 matmul).
std::vector<float> fp8_rounded(const float* x, int64_t rows, int64_t n) {
    std::vector<float> q(x, x + rows * n);
    for (int64_t t = 0; t < rows; ++t) cpu::fp8_round_trip(q.data() + t * n, n, cpu::kActivationBlock);
    return q;
}

std::vector<float> project(const cpu::Weight& w, const float* x, int64_t T) {
    std::vector<float> y(static_cast<size_t>(T * w.out));
    cpu::linear(w, x, T, y.data());
    return y;
}

}  // namespace

BlockForward::BlockForward(const ModelConfig& config, const BlockWeights& weights) : c_(config), w_(weights) {
    if (w_.compressor) kv_params_ = compressor_params(*w_.compressor, c_, w_.rope, cpu::CompressedRounding::Fp8Kv);
    if (w_.indexer)
        index_params_ = compressor_params(w_.indexer->compressor, c_, w_.rope, cpu::CompressedRounding::HadamardFp4);
}

BlockState BlockForward::new_state() const {
    BlockState s;
    s.window.assign(static_cast<size_t>(c_.sliding_window * c_.head_dim), 0.0f);
    if (w_.compressor) s.kv.reset(kv_params_);
    if (w_.indexer) s.index.reset(index_params_);
    return s;
}

void BlockForward::run(BlockState& state, const int64_t* tokens, int64_t T, float* h, BlockTrace* trace) const {
    const int64_t hc = c_.hc_mult, d = c_.hidden_size;
    const float eps = static_cast<float>(c_.rms_norm_eps);
    std::vector<float> x(static_cast<size_t>(T * d)), y(static_cast<size_t>(T * d)), h_next(static_cast<size_t>(T * hc * d));
    std::vector<cpu::HcMix> mixes(static_cast<size_t>(T));

    // Attention sublayer.
    const auto hc_attn = w_.hc_attn.params(c_);
    cpu::parallel_for(T, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            mixes[t] = cpu::hc_pre(hc_attn, h + t * hc * d, x.data() + t * d);
            cpu::rms_norm(x.data() + t * d, w_.attn_norm.data(), d, eps, x.data() + t * d);
        }
    });
    if (trace && trace->enabled) trace->attn_in.insert(trace->attn_in.end(), x.begin(), x.end());
    attention(state, x.data(), T, y.data(), trace);
    if (trace && trace->enabled) trace->attn_out.insert(trace->attn_out.end(), y.begin(), y.end());
    for (int64_t t = 0; t < T; ++t) cpu::hc_post(mixes[t], hc, d, y.data() + t * d, h + t * hc * d, h_next.data() + t * hc * d);

    // MoE sublayer.
    const auto hc_ffn = w_.hc_ffn.params(c_);
    cpu::parallel_for(T, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            mixes[t] = cpu::hc_pre(hc_ffn, h_next.data() + t * hc * d, x.data() + t * d);
            cpu::rms_norm(x.data() + t * d, w_.ffn_norm.data(), d, eps, x.data() + t * d);
        }
    });
    if (trace && trace->enabled) trace->ffn_in.insert(trace->ffn_in.end(), x.begin(), x.end());
    moe(x.data(), tokens, T, y.data(), trace);
    if (trace && trace->enabled) trace->ffn_out.insert(trace->ffn_out.end(), y.begin(), y.end());
    for (int64_t t = 0; t < T; ++t) cpu::hc_post(mixes[t], hc, d, y.data() + t * d, h_next.data() + t * hc * d, h + t * hc * d);
}

void BlockForward::attention(BlockState& st, const float* x, int64_t T, float* out, BlockTrace* trace) const {
    const int64_t d = c_.hidden_size, H = c_.num_attention_heads, D = c_.head_dim, r = c_.qk_rope_head_dim;
    const int64_t W = c_.sliding_window, m = w_.ratio;
    const float eps = static_cast<float>(c_.rms_norm_eps);
    const int64_t pos0 = st.next_pos;

    const auto xq = fp8_rounded(x, T, d);
    auto qr = project(w_.wq_a, xq.data(), T);
    cpu::rms_norm_rows(qr.data(), w_.q_norm.data(), T, c_.q_lora_rank, eps);
    const auto qr_q = fp8_rounded(qr.data(), T, c_.q_lora_rank);
    auto q = project(w_.wq_b, qr_q.data(), T);
    auto kv = project(w_.wkv, xq.data(), T);
    cpu::parallel_for(T, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            for (int64_t hh = 0; hh < H; ++hh) {
                float* qh = q.data() + (t * H + hh) * D;
                cpu::rms_norm(qh, nullptr, D, eps, qh);
                w_.rope.apply(qh + D - r, pos0 + t);
            }
            float* k = kv.data() + t * D;
            cpu::rms_norm(k, w_.kv_norm.data(), D, eps, k);
            w_.rope.apply(k + D - r, pos0 + t);
            cpu::fp8_round_trip(k, D - r, cpu::kKvBlock);
        }
    });

    if (trace && trace->enabled) trace->kv.insert(trace->kv.end(), kv.begin(), kv.end());
    std::vector<float> ca, cz, ia, iz, iq, iw;
    if (w_.compressor) {
        ca = project(w_.compressor->wkv, x, T);
        cz = project(w_.compressor->wgate, x, T);
    }
    const int64_t IH = c_.index_n_heads, ID = c_.index_head_dim;
    if (w_.indexer) {
        ia = project(w_.indexer->compressor.wkv, x, T);
        iz = project(w_.indexer->compressor.wgate, x, T);
        iq = project(w_.indexer->wq_b, qr_q.data(), T);
        iw = project(w_.indexer->weights_proj, x, T);
        const float wscale = 1.0f / std::sqrt(static_cast<float>(ID)) / std::sqrt(static_cast<float>(IH));
        for (auto& v : iw) v *= wscale;
        for (int64_t t = 0; t < T; ++t)
            for (int64_t hh = 0; hh < IH; ++hh) {
                float* qh = iq.data() + (t * IH + hh) * ID;
                w_.rope.apply(qh + ID - r, pos0 + t);
                cpu::hadamard_rotate(qh, ID);
                cpu::fp4_round_trip(qh, ID);
            }
    }

    // The compressors take the chunk's tokens in order (rows only ever append, so what a query at position p may
    // see is fixed by p alone: rows k < (p + 1) / m).
    const bool tracing = trace && trace->enabled;
    for (int64_t t = 0; t < T; ++t) {
        const int64_t pos = pos0 + t;
        if (w_.compressor && cpu::compressor_push(kv_params_, st.kv, ca.data() + t * ca.size() / T, cz.data() + t * cz.size() / T, pos) && tracing)
            trace->compressed_kv.insert(trace->compressed_kv.end(), st.kv.rows.end() - D, st.kv.rows.end());
        if (w_.indexer && cpu::compressor_push(index_params_, st.index, ia.data() + t * ia.size() / T, iz.data() + t * iz.size() / T, pos) && tracing)
            trace->indexer_keys.insert(trace->indexer_keys.end(), st.index.rows.end() - c_.index_head_dim, st.index.rows.end());
    }

    // What each query attends to: the window (this chunk's rows from kv, older ones from the ring, which still
    // holds the W positions before the chunk) plus its compressed rows, all of them (HCA) or the indexer's choice.
    const int64_t topk = c_.index_topk;
    std::vector<std::vector<const float*>> rows_of(static_cast<size_t>(T));
    std::vector<std::vector<int32_t>> chosen_of(static_cast<size_t>(T));
    cpu::parallel_for(T, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            const int64_t pos = pos0 + t;
            auto& rows = rows_of[t];
            for (int64_t p = std::max<int64_t>(0, pos - W + 1); p <= pos; ++p)
                rows.push_back(p >= pos0 ? kv.data() + (p - pos0) * D : st.window.data() + (p % W) * D);
            if (m == 0) continue;
            const int64_t visible = (pos + 1) / m;
            if (!w_.indexer) {
                for (int64_t k = 0; k < visible; ++k) rows.push_back(st.kv.rows.data() + k * D);
            } else {
                chosen_of[t] = cpu::indexer_topk(iq.data() + t * IH * ID, iw.data() + t * IH, IH, ID, st.index.rows.data(), visible, topk);
                for (int32_t k : chosen_of[t]) rows.push_back(st.kv.rows.data() + k * D);
            }
        }
    });
    if (tracing && w_.indexer)
        for (int64_t t = 0; t < T; ++t) {
            trace->indexer_topk.insert(trace->indexer_topk.end(), chosen_of[t].begin(), chosen_of[t].end());
            for (int64_t j = static_cast<int64_t>(chosen_of[t].size()); j < topk; ++j) trace->indexer_topk.push_back(-1);
        }

    // Every (token, head) independently: decode steps spread their heads over the cores too.
    std::vector<float> o(static_cast<size_t>(T * H * D));
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    cpu::parallel_for(T * H, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            const int64_t t = i / H, hh = i % H;
            const auto& rows = rows_of[t];
            float* oh = o.data() + i * D;
            cpu::sink_attention(q.data() + i * D, 1, D, rows.data(), static_cast<int64_t>(rows.size()), w_.attn_sink.data() + hh, scale, oh);
            w_.rope.apply(oh + D - r, pos0 + t, /*inverse=*/true);
        }
    });
    // The ring keeps the last W positions for the next call.
    for (int64_t p = std::max(pos0, pos0 + T - W); p < pos0 + T; ++p)
        std::copy(kv.begin() + (p - pos0) * D, kv.begin() + (p - pos0 + 1) * D, st.window.begin() + (p % W) * D);
    st.next_pos = pos0 + T;

    // Grouped output projection: group g's heads through its own rows of wo_a (input not rounded), then wo_b.
    const int64_t G = c_.o_groups, OL = c_.o_lora_rank, group_in = H / G * D;
    std::vector<float> lo(static_cast<size_t>(T * G * OL)), gin(static_cast<size_t>(T * group_in)), gout(static_cast<size_t>(T * OL));
    for (int64_t g = 0; g < G; ++g) {
        for (int64_t t = 0; t < T; ++t)
            std::copy(o.begin() + t * H * D + g * group_in, o.begin() + t * H * D + (g + 1) * group_in, gin.begin() + t * group_in);
        cpu::linear(cpu::row_slice(w_.wo_a, g * OL, OL), gin.data(), T, gout.data());
        for (int64_t t = 0; t < T; ++t) std::copy(gout.begin() + t * OL, gout.begin() + (t + 1) * OL, lo.begin() + t * G * OL + g * OL);
    }
    const auto lo_q = fp8_rounded(lo.data(), T, G * OL);
    cpu::linear(w_.wo_b, lo_q.data(), T, out);
}

void BlockForward::moe(const float* x, const int64_t* tokens, int64_t T, float* out, BlockTrace* trace) const {
    const int64_t d = c_.hidden_size, k = c_.num_experts_per_tok;
    cpu::RouterParams rp;
    rp.gate = &w_.gate;
    rp.bias = w_.gate_bias.empty() ? nullptr : w_.gate_bias.data();
    rp.tid2eid = w_.tid2eid.empty() ? nullptr : w_.tid2eid.data();
    rp.n_experts = c_.n_routed_experts;
    rp.topk = k;
    rp.vocab = c_.vocab_size;
    rp.routed_scaling = static_cast<float>(c_.routed_scaling_factor);
    const auto routing = cpu::route(rp, x, tokens, T, d);
    if (trace && trace->enabled) trace->experts.insert(trace->experts.end(), routing.experts.begin(), routing.experts.end());

    const auto xq = fp8_rounded(x, T, d);
    std::fill(out, out + T * d, 0.0f);
    const float limit = static_cast<float>(c_.swiglu_limit);
    // One batch for every expert this step uses: two parallel sweeps instead of three per expert.
    cpu::run_moe_batched(w_.experts, w_.shared_experts, routing, k, xq.data(), T, d, limit, out);
}

}  // namespace fathom
