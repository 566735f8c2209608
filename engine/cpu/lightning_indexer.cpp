#include "cpu/lightning_indexer.hpp"

#include <algorithm>
#include <numeric>

namespace fathom::cpu {

std::vector<int32_t> indexer_topk(const float* q, const float* weights, int64_t heads, int64_t dim,
                                  const float* keys, int64_t n, int64_t topk) {
    std::vector<float> score(static_cast<size_t>(n), 0.0f);
    for (int64_t k = 0; k < n; ++k) {
        const float* key = keys + k * dim;
        float total = 0.0f;
        for (int64_t h = 0; h < heads; ++h) {
            const float* qh = q + h * dim;
            float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
            for (int64_t i = 0; i < dim; ++i) acc += qh[i] * key[i];
            total += weights[h] * std::max(acc, 0.0f);
        }
        score[k] = total;
    }
    std::vector<int32_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    const int64_t keep = std::min(topk, n);
    std::partial_sort(idx.begin(), idx.begin() + keep, idx.end(), [&](int32_t a, int32_t b) {
        return score[a] != score[b] ? score[a] > score[b] : a < b;
    });
    idx.resize(static_cast<size_t>(keep));
    return idx;
}

}  // namespace fathom::cpu
