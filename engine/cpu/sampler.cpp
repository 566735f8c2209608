#include "cpu/sampler.hpp"

#include "fathom/error.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace fathom::cpu {

int32_t argmax(std::span<const float> logits) {
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

Sampler::Sampler(float temperature, float top_p, uint64_t seed) : temperature_(temperature), top_p_(top_p), rng_(seed) {
    if (!(temperature >= 0.0f) || !std::isfinite(temperature)) throw Error("temperature must be a finite number >= 0");
    if (!(top_p > 0.0f && top_p <= 1.0f)) throw Error("top_p must be in (0, 1]");
}

int32_t Sampler::sample(std::span<const float> logits) {
    if (logits.empty()) throw Error("cannot sample from empty logits");
    if (temperature_ == 0.0f) return argmax(logits);
    const float mx = *std::max_element(logits.begin(), logits.end());
    std::vector<int32_t> order(logits.size());
    std::vector<double> p(logits.size());
    double sum = 0.0;
    for (size_t i = 0; i < logits.size(); ++i) sum += (p[i] = std::exp((static_cast<double>(logits[i]) - mx) / temperature_));
    std::iota(order.begin(), order.end(), 0);
    // Nucleus: the smallest set of most likely tokens whose mass reaches top_p.
    size_t keep = logits.size();
    if (top_p_ < 1.0f) {
        std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return p[a] > p[b]; });
        double mass = 0.0;
        for (keep = 0; keep < order.size();) {
            mass += p[order[keep++]] / sum;
            if (mass >= top_p_) break;
        }
    }
    double kept = 0.0;
    for (size_t i = 0; i < keep; ++i) kept += p[order[i]];
    std::uniform_real_distribution<double> u(0.0, kept);
    double r = u(rng_);
    for (size_t i = 0; i < keep; ++i) {
        r -= p[order[i]];
        if (r <= 0.0) return order[i];
    }
    return order[keep - 1];
}

}  // namespace fathom::cpu
