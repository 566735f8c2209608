// Rotary position embedding on interleaved pairs of the last r dims of a head, with optional YaRN frequency
// scaling (V4 uses it, with compress_rope_theta, on every compressed block; window-only blocks use plain RoPE).
#pragma once

#include <cstdint>
#include <vector>

namespace fathom {
struct ModelConfig;
}

namespace fathom::cpu {

class Rope {
public:
    Rope() = default;
    Rope(int64_t rope_dims, double theta, bool yarn, double factor, int64_t original_max_pos, double beta_fast,
         double beta_slow);
    // The rope of a block: compressed blocks (ratio > 0) use compress_rope_theta with YaRN.
    static Rope for_block(const ModelConfig& config, int64_t compress_ratio);

    int64_t dims() const { return dims_; }
    const std::vector<float>& frequencies() const { return freqs_; }

    // Rotates the r dims at x (the LAST r dims of a head: pass head + D - r) by pos * f_i; inverse rotates back.
    void apply(float* x, int64_t pos, bool inverse = false) const;

private:
    int64_t dims_ = 0;
    std::vector<float> freqs_;
};

}  // namespace fathom::cpu
