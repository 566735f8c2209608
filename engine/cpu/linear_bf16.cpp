#include "cpu/linear_bf16.hpp"

#include "cpu/bf16_exact.hpp"
#include "cpu/thread_pool.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>
#include <immintrin.h>
#include <string>
#include <utility>
#include <vector>

namespace fathom::cpu {

namespace {

#define FATHOM_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,fma")))

// RB weight rows x TB tokens of y, 32 products per dot-product instruction.
template <int RB, int TB>
FATHOM_AVX512_BF16 void block(const uint16_t* w, const uint16_t* x, int64_t K, float* y, int64_t ldy) {
    __m512 acc[RB][TB];
    for (int r = 0; r < RB; ++r)
        for (int t = 0; t < TB; ++t) acc[r][t] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 32) {
        __m512i wv[RB];
        for (int r = 0; r < RB; ++r) wv[r] = _mm512_loadu_si512(w + r * K + k);
        for (int t = 0; t < TB; ++t) {
            const __m512i xv = _mm512_loadu_si512(x + t * K + k);
            for (int r = 0; r < RB; ++r) acc[r][t] = _mm512_dpbf16_ps(acc[r][t], (__m512bh)wv[r], (__m512bh)xv);
        }
    }
    for (int r = 0; r < RB; ++r)
        for (int t = 0; t < TB; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]);
}

using BlockFn = void (*)(const uint16_t*, const uint16_t*, int64_t, float*, int64_t);

template <int RB, int... TBs>
constexpr std::array<BlockFn, sizeof...(TBs)> row_of_blocks(std::integer_sequence<int, TBs...>) {
    return {&block<RB, TBs + 1>...};
}

constexpr int kRows = 4, kTokens = 6;
// kBlocks[rb - 1][tb - 1]: the block for rb rows and tb tokens (the edges of a tile take the smaller ones).
constexpr std::array<std::array<BlockFn, kTokens>, kRows> kBlocks = {
    row_of_blocks<1>(std::make_integer_sequence<int, kTokens>{}), row_of_blocks<2>(std::make_integer_sequence<int, kTokens>{}),
    row_of_blocks<3>(std::make_integer_sequence<int, kTokens>{}), row_of_blocks<4>(std::make_integer_sequence<int, kTokens>{})};

}  // namespace

bool bf16_products_available() {
    static const bool ok = [] {
        const char* env = std::getenv("FATHOM_PREFILL_BF16");
        if (env && std::string(env) == "0") return false;
        return cpu_has_avx512_bf16();
    }();
    return ok;
}

void bf16_tile_product(const uint16_t* w, int64_t R, const uint16_t* x, int64_t T, int64_t K, float* y, int64_t ldy) {
    for (int64_t t0 = 0; t0 < T; t0 += kTokens) {
        const int64_t tb = std::min<int64_t>(kTokens, T - t0);
        for (int64_t r0 = 0; r0 < R; r0 += kRows) {
            const int64_t rb = std::min<int64_t>(kRows, R - r0);
            kBlocks[rb - 1][tb - 1](w + r0 * K, x + t0 * K, K, y + t0 * ldy + r0, ldy);
        }
    }
}

void bf16_weight_tiles(const LinearKernels& kernels, const Weight& w, const float* x, int64_t T, float* y,
                       const std::function<void(const uint16_t* wb, int64_t R, int64_t r0)>& product) {
    // As linear_with: a tile of rows decoded once, then multiplied with every token.
    constexpr int64_t kRowTile = 32, kTokenChunk = 48;
    const int64_t tiles = (w.out + kRowTile - 1) / kRowTile;
    parallel_for(tiles, [&](int64_t begin, int64_t end) {
        thread_local std::vector<float> wt;
        thread_local std::vector<uint16_t> wb;
        wt.resize(static_cast<size_t>(kRowTile * w.in));
        wb.resize(wt.size());
        for (int64_t tile = begin; tile < end; ++tile) {
            const int64_t r0 = tile * kRowTile, R = std::min(kRowTile, w.out - r0);
            kernels.decode_rows(w, r0, R, wt.data());
            if (to_bf16_exact(wt.data(), R * w.in, wb.data())) {
                product(wb.data(), R, r0);
                continue;
            }
            for (int64_t t0 = 0; t0 < T; t0 += kTokenChunk)
                kernels.tile_product(wt.data(), R, x + t0 * w.in, std::min(kTokenChunk, T - t0), w.in, y + t0 * w.out + r0, w.out);
        }
    });
}

bool bf16_linear(const LinearKernels& kernels, const Weight& w, const float* x, int64_t T, float* y) {
    if (T <= kFusedMaxTokens || w.in % 32 != 0 || !bf16_products_available()) return false;
    thread_local std::vector<uint16_t> xb;
    xb.resize(static_cast<size_t>(T * w.in));
    if (!to_bf16_exact(x, T * w.in, xb.data())) return false;
    const uint16_t* xs = xb.data();
    bf16_weight_tiles(kernels, w, x, T, y, [&](const uint16_t* wb, int64_t R, int64_t r0) {
        // Tokens in chunks, so a chunk's rows stay in cache while the tile passes over them.
        constexpr int64_t kTokenChunk = 48;
        for (int64_t t0 = 0; t0 < T; t0 += kTokenChunk)
            bf16_tile_product(wb, R, xs + t0 * w.in, std::min(kTokenChunk, T - t0), w.in, y + t0 * w.out + r0, w.out);
    });
    return true;
}

}  // namespace fathom::cpu
