// Token sampling from logits: temperature and nucleus (top-p) with a seeded generator; temperature 0 is greedy.
// Deterministic for a given seed so a generation can be reproduced.
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace fathom::cpu {

class Sampler {
public:
    Sampler(float temperature, float top_p, uint64_t seed);
    int32_t sample(std::span<const float> logits);

private:
    float temperature_, top_p_;
    std::mt19937_64 rng_;
};

int32_t argmax(std::span<const float> logits);

}  // namespace fathom::cpu
