// Manifold-constrained hyper-connections (mHC): the hc copies of the residual stream are mixed into one
// sublayer input (hc_pre) and the sublayer output is spread back over them through a Sinkhorn-normalised mix.
#pragma once

#include <cstdint>
#include <vector>

namespace fathom::cpu {

struct HcParams {
    const float* fn = nullptr;     // [(2+hc)*hc, hc*d] (or [hc, hc*d] for the head)
    const float* base = nullptr;   // [(2+hc)*hc] (or [hc])
    const float* scale = nullptr;  // [3] (or [1])
    int64_t hc = 4, d = 0;
    int64_t sinkhorn_iters = 20;
    float hc_eps = 1e-6f, norm_eps = 1e-6f;
};

struct HcMix {
    std::vector<float> pre;   // [hc]
    std::vector<float> post;  // [hc]
    std::vector<float> comb;  // [hc * hc], comb[j*hc + k]: weight of copy j in new copy k
};

// hc_pre for one position: h [hc, d] -> x [d]; also returns the mix needed by hc_post.
HcMix hc_pre(const HcParams& p, const float* h, float* x);
// hc_post: h_out[k] = post_k * y + sum_j comb[j][k] * h[j]. h_out may not alias h.
void hc_post(const HcMix& mix, int64_t hc, int64_t d, const float* y, const float* h, float* h_out);
// The head's collapse of the copies: x = sum_i (sigmoid(m_i * s + b_i) + eps) * h_i.
void hc_head(const HcParams& p, const float* h, float* x);

}  // namespace fathom::cpu
