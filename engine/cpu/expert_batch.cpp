#include "cpu/expert_batch.hpp"

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

void run_expert_jobs(const std::vector<ExpertJob>& jobs, float limit) {
    const LinearKernels& k = active_kernels();
    bool fused = k.fused_rows != nullptr;
    for (const auto& j : jobs)
        fused = fused && j.n <= kFusedMaxTokens && j.weights->w1.in % 32 == 0 && j.weights->w2.in % 32 == 0;
    if (!fused) {
        for (const auto& j : jobs) expert_forward(*j.weights, j.xs, j.row_weights, j.n, limit, j.out);
        return;
    }
    const size_t J = jobs.size();
    std::vector<std::vector<float>> x_split(J), g(J), v(J), g_split(J), y(J);
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
            k.fused_rows(w, tr.r0, std::min(kRowTile, w.out - tr.r0), x_split[tr.job].data(), j.n, dst + tr.r0, w.out);
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
    parallel_for(static_cast<int64_t>(down.size()), [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            const TileRef& tr = down[t];
            const auto& j = jobs[tr.job];
            const Weight& w = j.weights->w2;
            k.fused_rows(w, tr.r0, std::min(kRowTile, w.out - tr.r0), g_split[tr.job].data(), j.n, y[tr.job].data() + tr.r0, w.out);
        }
    });
    for (size_t i = 0; i < J; ++i) {
        const auto& j = jobs[i];
        const int64_t n = j.n * j.weights->w2.out;
        for (int64_t c = 0; c < n; ++c) j.out[c] += y[i][c];
    }
}

}  // namespace fathom::cpu
