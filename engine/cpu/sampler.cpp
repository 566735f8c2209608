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

int32_t Sampler::argmax_of(std::span<const float> logits) {
    if (logits.empty()) throw Error("cannot sample from empty logits");
    return argmax(logits);
}

Sampler::Sampler(float temperature, float top_p, uint64_t seed) : temperature_(temperature), top_p_(top_p), rng_(seed) {
    if (!(temperature >= 0.0f) || !std::isfinite(temperature)) throw Error("temperature must be a finite number >= 0");
    if (!(top_p > 0.0f && top_p <= 1.0f)) throw Error("top_p must be in (0, 1]");
}

int32_t Sampler::pick(std::span<const float> logits, double u) const {
    if (logits.empty()) throw Error("cannot sample from empty logits");
    if (greedy()) return argmax(logits);
    const double mx = *std::max_element(logits.begin(), logits.end());
    const auto n = logits.size();
    std::vector<double> p(n);
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) sum += (p[i] = std::exp((static_cast<double>(logits[i]) - mx) / temperature_));
    std::vector<int32_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    size_t keep = n;
    if (top_p_ < 1.0f) {
        // Descending probability (ties: lower index first), sorted only as far as the nucleus reaches: the head is
        // sorted in growing prefixes until its mass passes top_p.
        auto before = [&](int32_t a, int32_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); };
        const double target = static_cast<double>(top_p_) * sum;
        size_t sorted = 0;
        double mass = 0.0;
        for (keep = 0; keep < n;) {
            if (keep == sorted) {
                const size_t next = std::min(n, std::max<size_t>(64, 4 * sorted));
                std::partial_sort(order.begin() + static_cast<std::ptrdiff_t>(sorted), order.begin() + static_cast<std::ptrdiff_t>(next),
                                  order.end(), before);
                sorted = next;
            }
            mass += p[order[keep++]];
            if (mass >= target) break;
        }
    }
    double cumulative = 0.0;
    std::vector<double> running(keep);
    for (size_t i = 0; i < keep; ++i) running[i] = (cumulative += p[order[i]]);
    const double r = u * cumulative;
    const auto it = std::lower_bound(running.begin(), running.end(), r);
    return order[it == running.end() ? keep - 1 : static_cast<size_t>(it - running.begin())];
}

}  // namespace fathom::cpu
