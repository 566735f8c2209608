#include "cpu/hyper_connections.hpp"

#include <cmath>

namespace fathom::cpu {

namespace {

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

// m = (fn @ h_flat) * rsqrt(mean(h_flat^2) + eps), for `rows` mixes.
std::vector<float> mixes(const HcParams& p, const float* h, int64_t rows) {
    const int64_t n = p.hc * p.d;
    double ss = 0.0;
    for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(h[i]) * h[i];
    const float r = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(n) + p.norm_eps));
    std::vector<float> m(static_cast<size_t>(rows));
    for (int64_t j = 0; j < rows; ++j) {
        const float* w = p.fn + j * n;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int64_t i = 0; i < n; ++i) acc += w[i] * h[i];
        m[j] = acc * r;
    }
    return m;
}

}  // namespace

HcMix hc_pre(const HcParams& p, const float* h, float* x) {
    const int64_t hc = p.hc;
    const auto m = mixes(p, h, (2 + hc) * hc);
    HcMix mix;
    mix.pre.resize(hc);
    mix.post.resize(hc);
    mix.comb.resize(hc * hc);
    for (int64_t i = 0; i < hc; ++i) {
        mix.pre[i] = sigmoid(m[i] * p.scale[0] + p.base[i]) + p.hc_eps;
        mix.post[i] = 2.0f * sigmoid(m[hc + i] * p.scale[1] + p.base[hc + i]);
    }
    auto& c = mix.comb;
    for (int64_t i = 0; i < hc * hc; ++i) c[i] = m[2 * hc + i] * p.scale[2] + p.base[2 * hc + i];
    // Softmax over the last index, plus eps.
    for (int64_t j = 0; j < hc; ++j) {
        float mx = c[j * hc];
        for (int64_t k = 1; k < hc; ++k) mx = std::max(mx, c[j * hc + k]);
        float sum = 0.0f;
        for (int64_t k = 0; k < hc; ++k) sum += (c[j * hc + k] = std::exp(c[j * hc + k] - mx));
        for (int64_t k = 0; k < hc; ++k) c[j * hc + k] = c[j * hc + k] / sum + p.hc_eps;
    }
    auto normalise_columns = [&] {
        for (int64_t k = 0; k < hc; ++k) {
            float sum = 0.0f;
            for (int64_t j = 0; j < hc; ++j) sum += c[j * hc + k];
            for (int64_t j = 0; j < hc; ++j) c[j * hc + k] /= (sum + p.hc_eps);
        }
    };
    auto normalise_rows = [&] {
        for (int64_t j = 0; j < hc; ++j) {
            float sum = 0.0f;
            for (int64_t k = 0; k < hc; ++k) sum += c[j * hc + k];
            for (int64_t k = 0; k < hc; ++k) c[j * hc + k] /= (sum + p.hc_eps);
        }
    };
    normalise_columns();
    for (int64_t it = 1; it < p.sinkhorn_iters; ++it) {
        normalise_rows();
        normalise_columns();
    }
    for (int64_t e = 0; e < p.d; ++e) {
        float acc = 0.0f;
        for (int64_t i = 0; i < hc; ++i) acc += mix.pre[i] * h[i * p.d + e];
        x[e] = acc;
    }
    return mix;
}

void hc_post(const HcMix& mix, int64_t hc, int64_t d, const float* y, const float* h, float* h_out) {
    for (int64_t k = 0; k < hc; ++k)
        for (int64_t e = 0; e < d; ++e) {
            float acc = mix.post[k] * y[e];
            for (int64_t j = 0; j < hc; ++j) acc += mix.comb[j * hc + k] * h[j * d + e];
            h_out[k * d + e] = acc;
        }
}

void hc_head(const HcParams& p, const float* h, float* x) {
    const auto m = mixes(p, h, p.hc);
    for (int64_t e = 0; e < p.d; ++e) x[e] = 0.0f;
    for (int64_t i = 0; i < p.hc; ++i) {
        const float pre = sigmoid(m[i] * p.scale[0] + p.base[i]) + p.hc_eps;
        for (int64_t e = 0; e < p.d; ++e) x[e] += pre * h[i * p.d + e];
    }
}

}  // namespace fathom::cpu
