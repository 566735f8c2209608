#include "cpu/rope.hpp"

#include "model/model_config.hpp"

#include <algorithm>
#include <cmath>

namespace fathom::cpu {

namespace {
double correction_dim(double rotations, int64_t dims, double theta, int64_t max_pos) {
    return static_cast<double>(dims) * std::log(static_cast<double>(max_pos) / (rotations * 2.0 * M_PI)) /
           (2.0 * std::log(theta));
}
}  // namespace

Rope::Rope(int64_t dims, double theta, bool yarn, double factor, int64_t original_max_pos, double beta_fast,
           double beta_slow)
    : dims_(dims), freqs_(static_cast<size_t>(dims / 2)) {
    // Frequencies in fp32 as the reference computes them: 1 / theta^(2i/r).
    for (int64_t i = 0; i < dims / 2; ++i)
        freqs_[i] = 1.0f / std::pow(static_cast<float>(theta), static_cast<float>(2 * i) / static_cast<float>(dims));
    if (!yarn) return;
    double low = std::floor(correction_dim(beta_fast, dims, theta, original_max_pos));
    double high = std::ceil(correction_dim(beta_slow, dims, theta, original_max_pos));
    low = std::max(low, 0.0);
    high = std::min(high, static_cast<double>(dims - 1));
    if (low == high) high += 0.001;
    for (int64_t i = 0; i < dims / 2; ++i) {
        const float ramp = std::clamp(static_cast<float>((static_cast<double>(i) - low) / (high - low)), 0.0f, 1.0f);
        freqs_[i] = freqs_[i] / static_cast<float>(factor) * ramp + freqs_[i] * (1.0f - ramp);
    }
}

Rope Rope::for_block(const ModelConfig& c, int64_t ratio) {
    if (ratio == 0) return Rope(c.qk_rope_head_dim, c.rope_theta, false, 1.0, 1, 1.0, 1.0);
    return Rope(c.qk_rope_head_dim, c.compress_rope_theta, true, c.rope_scaling.factor,
                c.rope_scaling.original_max_position_embeddings, c.rope_scaling.beta_fast, c.rope_scaling.beta_slow);
}

void Rope::apply(float* x, int64_t pos, bool inverse) const {
    const float p = static_cast<float>(pos);
    for (int64_t i = 0; i < dims_ / 2; ++i) {
        const float angle = p * freqs_[i];  // fp32 product, as the reference's outer product
        const float c = static_cast<float>(std::cos(static_cast<double>(angle)));
        float s = static_cast<float>(std::sin(static_cast<double>(angle)));
        if (inverse) s = -s;
        const float a = x[2 * i], b = x[2 * i + 1];
        x[2 * i] = a * c - b * s;
        x[2 * i + 1] = a * s + b * c;
    }
}

}  // namespace fathom::cpu
