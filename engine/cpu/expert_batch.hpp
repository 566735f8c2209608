// Several routed experts, each over a few token rows, in two passes over all cores: every expert's w1 and w3 rows
// in one parallel sweep, then every w2; the CPU side of offloaded decode, where one sync per expert matrix costs more
// than the reading.
#pragma once

#include "cpu/moe.hpp"

#include <vector>

namespace fathom::cpu {

struct ExpertJob {
    const ExpertWeights* weights = nullptr;
    const float* xs = nullptr;          // [n, d] gathered rows, FP8-rounded
    const float* row_weights = nullptr; // [n]
    int64_t n = 0;
    float* out = nullptr;               // [n, d], accumulated into
};

// out += row weight * expert(xs) for every job, as expert_forward computes each (same roundings). Where the CPU has
// AVX-512 BF16, every expert is FP4 and the inputs are exact bf16 values (FP8-rounded activations are), the dot
// products run in BF16 (exact products; the fp32 sums in another order); `allow_bf16` false keeps the fp32 path,
// bit-identical to expert_forward. Returns whether the BF16 path ran.
bool run_expert_jobs(const std::vector<ExpertJob>& jobs, float limit, bool allow_bf16 = true);

// The whole MoE of one block: y [T, d] += the routed experts (summed in expert order, as run_routed_experts does)
// and the shared experts, all in one batch; bit-identical to run_routed_experts then run_shared_expert.
void run_moe_batched(const std::vector<ExpertWeights>& routed, const std::vector<ExpertWeights>& shared, const Routing& r,
                     int64_t topk, const float* xq, int64_t T, int64_t d, float limit, float* y);

}  // namespace fathom::cpu
