#include "cpu/compressor.hpp"

#include "cpu/quantize.hpp"
#include "cpu/rms_norm.hpp"
#include "fathom/error.hpp"

#include <cmath>

namespace fathom::cpu {

void CompressorState::reset(const CompressorParams& p) {
    const size_t w = static_cast<size_t>(p.projected_width());
    block_a.assign(static_cast<size_t>(p.ratio) * w, 0.0f);
    block_z.assign(static_cast<size_t>(p.ratio) * w, 0.0f);
    prev_a.assign(static_cast<size_t>(p.ratio * p.width), 0.0f);
    prev_z.assign(static_cast<size_t>(p.ratio * p.width), 0.0f);
    filled = 0;
    has_prev = false;
    rows.clear();
    count = 0;
}

bool compressor_push(const CompressorParams& p, CompressorState& st, const float* a, const float* z, int64_t pos) {
    const int64_t m = p.ratio, c = p.width, w = p.projected_width();
    if (pos % m != st.filled || pos / m != st.count)
        throw Error("compressor: token at position " + std::to_string(pos) + " arrives out of order");
    const float* ape = p.ape + (pos % m) * w;
    float* ra = st.block_a.data() + st.filled * w;
    float* rz = st.block_z.data() + st.filled * w;
    for (int64_t i = 0; i < w; ++i) {
        ra[i] = a[i];
        rz[i] = z[i] + ape[i];
    }
    if (++st.filled < m) return false;

    // Pool the block: per channel, softmax of z over the candidates, weights applied to a.
    std::vector<float> row(static_cast<size_t>(c));
    const int64_t own_offset = p.overlapping() ? c : 0;  // ratio 4: the last c channels belong to this block
    for (int64_t ch = 0; ch < c; ++ch) {
        float mx = -INFINITY;
        for (int64_t t = 0; t < m; ++t) mx = std::max(mx, st.block_z[t * w + own_offset + ch]);
        if (p.overlapping() && st.has_prev)
            for (int64_t t = 0; t < m; ++t) mx = std::max(mx, st.prev_z[t * c + ch]);
        double sum = 0.0, acc = 0.0;
        for (int64_t t = 0; t < m; ++t) {
            const double e = std::exp(static_cast<double>(st.block_z[t * w + own_offset + ch]) - mx);
            sum += e;
            acc += e * st.block_a[t * w + own_offset + ch];
        }
        if (p.overlapping() && st.has_prev)
            for (int64_t t = 0; t < m; ++t) {
                const double e = std::exp(static_cast<double>(st.prev_z[t * c + ch]) - mx);
                sum += e;
                acc += e * st.prev_a[t * c + ch];
            }
        row[ch] = static_cast<float>(acc / sum);
    }
    if (p.overlapping()) {
        // This block's first halves pool into the next block.
        for (int64_t t = 0; t < m; ++t)
            for (int64_t ch = 0; ch < c; ++ch) {
                st.prev_a[t * c + ch] = st.block_a[t * w + ch];
                st.prev_z[t * c + ch] = st.block_z[t * w + ch];
            }
        st.has_prev = true;
    }
    st.filled = 0;

    rms_norm(row.data(), p.norm, c, p.norm_eps, row.data());
    const int64_t r = p.rope->dims();
    p.rope->apply(row.data() + c - r, st.count * m);
    if (p.rounding == CompressedRounding::Fp8Kv) {
        fp8_round_trip(row.data(), c - r, kKvBlock);
    } else {
        hadamard_rotate(row.data(), c);
        fp4_round_trip(row.data(), c);
    }
    st.rows.insert(st.rows.end(), row.begin(), row.end());
    ++st.count;
    return true;
}

}  // namespace fathom::cpu
