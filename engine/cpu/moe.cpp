#include "cpu/moe.hpp"

#include "cpu/quantize.hpp"
#include "fathom/error.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fathom::cpu {

namespace {

float softplus(float u) { return u > 20.0f ? u : std::log1p(std::exp(u)); }

}  // namespace

void expert_forward(const ExpertWeights& e, const float* xq, const float* row_weight, int64_t n, float limit,
                    float* out) {
    const int64_t inter = e.w1.out, d = e.w2.out;
    std::vector<float> g(static_cast<size_t>(n * inter)), v(static_cast<size_t>(n * inter));
    linear(e.w1, xq, n, g.data());
    linear(e.w3, xq, n, v.data());
    for (int64_t t = 0; t < n; ++t) {
        float* gt = g.data() + t * inter;
        const float* vt = v.data() + t * inter;
        for (int64_t i = 0; i < inter; ++i) {
            const float vi = std::clamp(vt[i], -limit, limit);
            const float gi = std::min(gt[i], limit);
            gt[i] = gi / (1.0f + std::exp(-gi)) * vi * row_weight[t];
        }
        fp8_round_trip(gt, inter, kActivationBlock);
    }
    std::vector<float> y(static_cast<size_t>(n * d));
    linear(e.w2, g.data(), n, y.data());
    for (int64_t i = 0; i < n * d; ++i) out[i] += y[i];
}

Routing route(const RouterParams& p, const float* x, const int64_t* tokens, int64_t T, int64_t d) {
    const int64_t E = p.n_experts, k = p.topk;
    std::vector<float> u(static_cast<size_t>(T * E));
    linear(*p.gate, x, T, u.data());
    Routing r;
    r.experts.resize(static_cast<size_t>(T * k));
    r.weights.resize(static_cast<size_t>(T * k));
    std::vector<float> s(static_cast<size_t>(E));
    std::vector<int32_t> order(static_cast<size_t>(E));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t e = 0; e < E; ++e) s[e] = std::sqrt(softplus(u[t * E + e]));
        int32_t* chosen = r.experts.data() + t * k;
        if (p.tid2eid) {
            if (tokens[t] < 0 || tokens[t] >= p.vocab)
                throw Error("token id " + std::to_string(tokens[t]) + " is outside the vocabulary");
            for (int64_t j = 0; j < k; ++j) {
                const int64_t e = p.tid2eid[tokens[t] * k + j];
                if (e < 0 || e >= E) throw Error("tid2eid maps token " + std::to_string(tokens[t]) + " to expert " + std::to_string(e) + ", outside [0, " + std::to_string(E) + ")");
                chosen[j] = static_cast<int32_t>(e);
            }
        } else {
            std::iota(order.begin(), order.end(), 0);
            std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
                const float sa = s[a] + p.bias[a], sb = s[b] + p.bias[b];
                return sa != sb ? sa > sb : a < b;
            });
            for (int64_t j = 0; j < k; ++j) chosen[j] = order[j];
        }
        float sum = 0.0f;
        for (int64_t j = 0; j < k; ++j) sum += s[chosen[j]];
        for (int64_t j = 0; j < k; ++j) r.weights[t * k + j] = s[chosen[j]] / sum * p.routed_scaling;
    }
    return r;
}

void run_routed_experts(const std::vector<ExpertWeights>& experts, const Routing& r, int64_t topk, const float* xq,
                        int64_t T, int64_t d, float limit, float* y) {
    const int64_t E = static_cast<int64_t>(experts.size());
    std::vector<std::vector<std::pair<int64_t, float>>> by_expert(static_cast<size_t>(E));
    for (int64_t t = 0; t < T; ++t)
        for (int64_t j = 0; j < topk; ++j) by_expert[r.experts[t * topk + j]].push_back({t, r.weights[t * topk + j]});
    std::vector<float> xs, ws, out;
    for (int64_t e = 0; e < E; ++e) {
        const auto& rows = by_expert[e];
        if (rows.empty()) continue;
        const int64_t n = static_cast<int64_t>(rows.size());
        xs.resize(static_cast<size_t>(n * d));
        ws.resize(static_cast<size_t>(n));
        out.assign(static_cast<size_t>(n * d), 0.0f);
        for (int64_t i = 0; i < n; ++i) {
            std::copy(xq + rows[i].first * d, xq + (rows[i].first + 1) * d, xs.begin() + i * d);
            ws[i] = rows[i].second;
        }
        expert_forward(experts[e], xs.data(), ws.data(), n, limit, out.data());
        for (int64_t i = 0; i < n; ++i)
            for (int64_t c = 0; c < d; ++c) y[rows[i].first * d + c] += out[i * d + c];
    }
}

void run_shared_expert(const ExpertWeights& e, const float* xq, int64_t T, int64_t d, float limit, float* y) {
    std::vector<float> ones(static_cast<size_t>(T), 1.0f);
    expert_forward(e, xq, ones.data(), T, limit, y);
}

}  // namespace fathom::cpu
