// Token sampling from logits: temperature and nucleus (top-p) with a seeded generator; temperature 0 is greedy.
// Deterministic for a given seed so a generation can be reproduced; the GPU twin (cuda/sampling) picks from the same draw.
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace fathom::cpu {

class Sampler {
public:
    Sampler(float temperature, float top_p, uint64_t seed);
    int32_t sample(std::span<const float> logits) { return greedy() ? argmax_of(logits) : pick(logits, draw()); }

    bool greedy() const { return temperature_ == 0.0f; }
    float temperature() const { return temperature_; }
    float top_p() const { return top_p_; }
    // The uniform draw in [0, 1) of the next sampled token (not used when greedy).
    double draw() { return std::generate_canonical<double, 53>(rng_); }
    // The token that draw u selects: probabilities exp((l - max) / T) in double; with top_p < 1 only the most likely
    // tokens whose mass first reaches top_p, in descending order; the first whose running sum reaches u times the
    // kept mass.
    int32_t pick(std::span<const float> logits, double u) const;

private:
    static int32_t argmax_of(std::span<const float> logits);
    float temperature_, top_p_;
    std::mt19937_64 rng_;
};

int32_t argmax(std::span<const float> logits);

}  // namespace fathom::cpu
