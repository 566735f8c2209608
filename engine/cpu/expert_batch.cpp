#include "cpu/expert_batch.hpp"

#include "cpu/fp4_bf16_rows.hpp"
#include "cpu/linear_kernels.hpp"
#include "cpu/quantize.hpp"
#include "cpu/thread_pool.hpp"

#include <algorithm>
#include <cmath>

namespace fathom::cpu {

namespace {

constexpr int64_t kRowTile = 32;

// Per token: x, then its even and its odd elements, the layout LinearKernels::fused_rows reads.
void split_rows(const float* x, int64_t n, int64_t in, float* out) {
    for (int64_t t = 0; t < n; ++t) {
        const float* xt = x + t * in;
        float* st = out + t * 2 * in;
        std::copy(xt, xt + in, st);
        for (int64_t i = 0; i < in / 2; ++i) {
            st[in + i] = xt[2 * i];
            st[in + in / 2 + i] = xt[2 * i + 1];
        }
    }
}

struct TileRef {
    int64_t job, matrix, r0;  // matrix 0: w1, 1: w3, 2: w2
};

}  // namespace

bool run_expert_jobs(const std::vector<ExpertJob>& jobs, float limit, bool allow_bf16) {
    const LinearKernels& k = active_kernels();
    bool fused = k.fused_rows != nullptr;
    for (const auto& j : jobs)
        fused = fused && j.n <= kFusedMaxTokens && j.weights->w1.in % 32 == 0 && j.weights->w2.in % 32 == 0;
    if (!fused) {
        for (const auto& j : jobs) expert_forward(*j.weights, j.xs, j.row_weights, j.n, limit, j.out);
        return false;
    }
    const size_t J = jobs.size();
    std::vector<std::vector<float>> x_split(J), g(J), v(J), g_split(J), y(J);
    // The BF16 dot-product path when the CPU has it and every input is exactly a bf16 (the FP8-rounded activations
    // are): the same products, half the decoding work.
    bool bf16 = allow_bf16 && fp4_bf16_available();
    for (const auto& j : jobs)
        bf16 = bf16 && j.weights->w1.format == WeightFormat::Fp4Group32 && j.weights->w2.format == WeightFormat::Fp4Group32 &&
               j.weights->w3.format == WeightFormat::Fp4Group32 && j.weights->w1.in % 128 == 0 && j.weights->w2.in % 128 == 0;
    std::vector<std::vector<uint16_t>> x_bf16(J), g_bf16(J);
    for (size_t i = 0; bf16 && i < J; ++i) {
        x_bf16[i].resize(static_cast<size_t>(jobs[i].n * jobs[i].weights->w1.in));
        bf16 = split_to_bf16(jobs[i].xs, jobs[i].n, jobs[i].weights->w1.in, x_bf16[i].data());
    }
    std::vector<TileRef> up, down;
    for (size_t i = 0; i < J; ++i) {
        const auto& j = jobs[i];
        const int64_t d = j.weights->w1.in, inter = j.weights->w1.out;
        x_split[i].resize(static_cast<size_t>(j.n * 2 * d));
        split_rows(j.xs, j.n, d, x_split[i].data());
        g[i].resize(static_cast<size_t>(j.n * inter));
        v[i].resize(g[i].size());
        g_split[i].resize(static_cast<size_t>(j.n * 2 * inter));
        y[i].resize(static_cast<size_t>(j.n * j.weights->w2.out));
        for (int64_t r0 = 0; r0 < inter; r0 += kRowTile) {
            up.push_back({static_cast<int64_t>(i), 0, r0});
            up.push_back({static_cast<int64_t>(i), 1, r0});
        }
        for (int64_t r0 = 0; r0 < j.weights->w2.out; r0 += kRowTile) down.push_back({static_cast<int64_t>(i), 2, r0});
    }
    parallel_for(static_cast<int64_t>(up.size()), [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            const TileRef& tr = up[t];
            const auto& j = jobs[tr.job];
            const Weight& w = tr.matrix == 0 ? j.weights->w1 : j.weights->w3;
            float* dst = tr.matrix == 0 ? g[tr.job].data() : v[tr.job].data();
            if (bf16) fp4_bf16_rows(w, tr.r0, std::min(kRowTile, w.out - tr.r0), x_bf16[tr.job].data(), j.n, dst + tr.r0, w.out);
            else k.fused_rows(w, tr.r0, std::min(kRowTile, w.out - tr.r0), x_split[tr.job].data(), j.n, dst + tr.r0, w.out);
        }
    });
    for (size_t i = 0; i < J; ++i) {
        const auto& j = jobs[i];
        const int64_t inter = j.weights->w1.out;
        for (int64_t t = 0; t < j.n; ++t) {
            float* gt = g[i].data() + t * inter;
            const float* vt = v[i].data() + t * inter;
            for (int64_t c = 0; c < inter; ++c) {
                const float vi = std::clamp(vt[c], -limit, limit);
                const float gi = std::min(gt[c], limit);
                gt[c] = gi / (1.0f + std::exp(-gi)) * vi * j.row_weights[t];
            }
            fp8_round_trip(gt, inter, kActivationBlock);
        }
        split_rows(g[i].data(), j.n, inter, g_split[i].data());
    }
    bool g_bf16_ok = bf16;
    for (size_t i = 0; g_bf16_ok && i < J; ++i) {
        g_bf16[i].resize(static_cast<size_t>(jobs[i].n * jobs[i].weights->w1.out));
        g_bf16_ok = split_to_bf16(g[i].data(), jobs[i].n, jobs[i].weights->w1.out, g_bf16[i].data());
    }
    parallel_for(static_cast<int64_t>(down.size()), [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            const TileRef& tr = down[t];
            const auto& j = jobs[tr.job];
            const Weight& w = j.weights->w2;
            if (g_bf16_ok) fp4_bf16_rows(w, tr.r0, std::min(kRowTile, w.out - tr.r0), g_bf16[tr.job].data(), j.n, y[tr.job].data() + tr.r0, w.out);
            else k.fused_rows(w, tr.r0, std::min(kRowTile, w.out - tr.r0), g_split[tr.job].data(), j.n, y[tr.job].data() + tr.r0, w.out);
        }
    });
    for (size_t i = 0; i < J; ++i) {
        const auto& j = jobs[i];
        const int64_t n = j.n * j.weights->w2.out;
        for (int64_t c = 0; c < n; ++c) j.out[c] += y[i][c];
    }
    return bf16 && g_bf16_ok;
}

void run_moe_batched(const std::vector<ExpertWeights>& routed, const std::vector<ExpertWeights>& shared, const Routing& r,
                     int64_t topk, const float* xq, int64_t T, int64_t d, float limit, float* y) {
    const int64_t E = static_cast<int64_t>(routed.size());
    std::vector<std::vector<int64_t>> rows(static_cast<size_t>(E));
    std::vector<std::vector<float>> weights(static_cast<size_t>(E));
    for (int64_t t = 0; t < T; ++t)
        for (int64_t j = 0; j < topk; ++j) {
            const int32_t e = r.experts[t * topk + j];
            rows[e].push_back(t);
            weights[e].push_back(r.weights[t * topk + j]);
        }
    std::vector<int64_t> used;
    for (int64_t e = 0; e < E; ++e)
        if (!rows[e].empty()) used.push_back(e);
    const size_t J = used.size() + shared.size();
    std::vector<std::vector<float>> xs(J), outs(J);
    std::vector<float> ones(static_cast<size_t>(T), 1.0f);
    std::vector<ExpertJob> jobs;
    for (size_t i = 0; i < used.size(); ++i) {
        const auto& rr = rows[used[i]];
        const auto n = static_cast<int64_t>(rr.size());
        xs[i].resize(static_cast<size_t>(n * d));
        for (int64_t k = 0; k < n; ++k) std::copy(xq + rr[k] * d, xq + (rr[k] + 1) * d, xs[i].begin() + k * d);
        outs[i].assign(static_cast<size_t>(n * d), 0.0f);
        jobs.push_back({&routed[used[i]], xs[i].data(), weights[used[i]].data(), n, outs[i].data()});
    }
    for (size_t s = 0; s < shared.size(); ++s) {
        outs[used.size() + s].assign(static_cast<size_t>(T * d), 0.0f);
        jobs.push_back({&shared[s], xq, ones.data(), T, outs[used.size() + s].data()});
    }
    run_expert_jobs(jobs, limit);
    for (size_t i = 0; i < used.size(); ++i) {
        const auto& rr = rows[used[i]];
        for (size_t k = 0; k < rr.size(); ++k)
            for (int64_t c = 0; c < d; ++c) y[rr[k] * d + c] += outs[i][k * d + c];
    }
    // run_shared_expert accumulates straight into y: the same additions in the same order.
    for (size_t s = 0; s < shared.size(); ++s) {
        const float* o = outs[used.size() + s].data();
        for (int64_t i = 0; i < T * d; ++i) y[i] += o[i];
    }
}

}  // namespace fathom::cpu
