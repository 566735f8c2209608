// Mixture of experts: the router (hash blocks by token id, score blocks by sqrt(softplus) + bias) and the
// SwiGLU experts with V4's clamp, run grouped by expert so each expert's weights are read once per call.
#pragma once

#include "cpu/linear.hpp"

#include <cstdint>
#include <vector>

namespace fathom::cpu {

struct ExpertWeights {
    Weight w1, w2, w3;  // w1, w3: [inter, d]; w2: [d, inter]
};

struct RouterParams {
    const Weight* gate = nullptr;          // [E, d] bf16
    const float* bias = nullptr;           // [E] for score blocks
    const int64_t* tid2eid = nullptr;      // [vocab, k] for hash blocks
    int64_t n_experts = 0, topk = 0, vocab = 0;
    float routed_scaling = 1.0f;
};

struct Routing {
    std::vector<int32_t> experts;  // [T, k]
    std::vector<float> weights;    // [T, k]
};

Routing route(const RouterParams& p, const float* x, const int64_t* tokens, int64_t T, int64_t d);

// y [T, d] += sum over the chosen experts of weight * expert(x). `xq` is x after the FP8 activation rounding.
void run_routed_experts(const std::vector<ExpertWeights>& experts, const Routing& r, int64_t topk, const float* xq,
                        int64_t T, int64_t d, float limit, float* y);
// out [n, d] += row_weight[i] * expert(xs row i) for n gathered rows (xs after the FP8 activation rounding). The
// CPU side of expert offload runs the experts the GPU does not hold through this.
void expert_forward(const ExpertWeights& e, const float* xs, const float* row_weight, int64_t n, float limit, float* out);
// y [T, d] += expert(x) with weight 1 (the shared expert).
void run_shared_expert(const ExpertWeights& e, const float* xq, int64_t T, int64_t d, float limit, float* y);

}  // namespace fathom::cpu
