#include "cpu/linear_amx.hpp"

#include "cpu/bf16_exact.hpp"
#include "cpu/linear_bf16.hpp"

#include <algorithm>
#include <cpuid.h>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace fathom::cpu {

namespace {

constexpr int64_t kTile = 16;     // tile rows: weight rows per A tile, tokens per B tile
constexpr int64_t kTileK = 32;    // bf16 values per tile row (64 bytes)

// Where block (token block tb, column step ks) of the packed tokens starts: 16 rows of 32 bf16 each.
inline int64_t packed_block(int64_t tb, int64_t ks, int64_t K) { return (tb * (K / kTileK) + ks) * kTile * kTileK; }

struct alignas(64) TileConfig {
    uint8_t palette = 1, start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

// Tiles 0-3: C (weight block i x token block j at 2i + j), 4-5: A (two weight blocks), 6-7: B (two token blocks).
TileConfig tile_config() {
    TileConfig c;
    for (int t = 0; t < 8; ++t) {
        c.rows[t] = kTile;
        c.colsb[t] = 64;
    }
    return c;
}

// One 16x16 output block of C += A B as the hardware defines TDPBF16PS, in fp32.
void emulated_block(const uint16_t* a, int64_t a_stride, const uint16_t* b, float* c) {
    for (int64_t m = 0; m < kTile; ++m)
        for (int64_t n = 0; n < kTile; ++n) {
            float acc = c[m * kTile + n];
            for (int64_t j = 0; j < kTileK / 2; ++j)
                for (int64_t e = 0; e < 2; ++e) {
                    uint32_t wa = static_cast<uint32_t>(a[m * a_stride + 2 * j + e]) << 16, wb = static_cast<uint32_t>(b[j * kTileK + 2 * n + e]) << 16;
                    float fa, fb;
                    std::memcpy(&fa, &wa, 4);
                    std::memcpy(&fb, &wb, 4);
                    acc += fa * fb;
                }
            c[m * kTile + n] = acc;
        }
}

void scatter(const float* c, int64_t m0, int64_t R, int64_t t0, int64_t T, float* y, int64_t ldy) {
    for (int64_t m = 0; m < kTile && m0 + m < R; ++m)
        for (int64_t n = 0; n < kTile && t0 + n < T; ++n) y[(t0 + n) * ldy + m0 + m] = c[m * kTile + n];
}

// Weight rows padded to whole tiles (rows past R read as zeros).
const uint16_t* padded_rows(const uint16_t* w, int64_t R, int64_t K, int64_t blocks) {
    if (R == blocks * kTile) return w;
    thread_local std::vector<uint16_t> pad;
    pad.assign(static_cast<size_t>(blocks * kTile * K), 0);
    std::memcpy(pad.data(), w, static_cast<size_t>(R * K) * 2);
    return pad.data();
}

__attribute__((target("amx-tile,amx-bf16"))) void amx_blocks(const uint16_t* w, int64_t row_blocks, int64_t K, const uint16_t* xp,
                                                            int64_t token_blocks, float* c) {
    // c: [row_blocks * 16][token_blocks * 16] in blocks of 16x16, block (i, j) at (i * token_blocks + j) * 256.
    static const TileConfig config = tile_config();
    _tile_loadconfig(&config);
    const int64_t steps = K / kTileK, a_stride = K * 2;
    for (int64_t j0 = 0; j0 < token_blocks; j0 += 2) {
        const bool two_t = j0 + 1 < token_blocks;
        for (int64_t i0 = 0; i0 < row_blocks; i0 += 2) {
            const bool two_r = i0 + 1 < row_blocks;
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            for (int64_t ks = 0; ks < steps; ++ks) {
                _tile_loadd(4, w + i0 * kTile * K + ks * kTileK, a_stride);
                _tile_loadd(6, xp + packed_block(j0, ks, K), 64);
                _tile_dpbf16ps(0, 4, 6);
                if (two_t) {
                    _tile_loadd(7, xp + packed_block(j0 + 1, ks, K), 64);
                    _tile_dpbf16ps(1, 4, 7);
                }
                if (two_r) {
                    _tile_loadd(5, w + (i0 + 1) * kTile * K + ks * kTileK, a_stride);
                    _tile_dpbf16ps(2, 5, 6);
                    if (two_t) _tile_dpbf16ps(3, 5, 7);
                }
            }
            _tile_stored(0, c + (i0 * token_blocks + j0) * kTile * kTile, 64);
            if (two_t) _tile_stored(1, c + (i0 * token_blocks + j0 + 1) * kTile * kTile, 64);
            if (two_r) {
                _tile_stored(2, c + ((i0 + 1) * token_blocks + j0) * kTile * kTile, 64);
                if (two_t) _tile_stored(3, c + ((i0 + 1) * token_blocks + j0 + 1) * kTile * kTile, 64);
            }
        }
    }
    _tile_release();
}

template <bool kEmulated>
void tile_product(const uint16_t* w, int64_t R, int64_t K, const uint16_t* xp, int64_t T, float* y, int64_t ldy) {
    const int64_t row_blocks = (R + kTile - 1) / kTile, token_blocks = (T + kTile - 1) / kTile;
    const uint16_t* a = padded_rows(w, R, K, row_blocks);
    thread_local std::vector<float> c;
    c.assign(static_cast<size_t>(row_blocks * token_blocks * kTile * kTile), 0.0f);
    if constexpr (kEmulated) {
        for (int64_t i = 0; i < row_blocks; ++i)
            for (int64_t j = 0; j < token_blocks; ++j)
                for (int64_t ks = 0; ks < K / kTileK; ++ks)
                    emulated_block(a + i * kTile * K + ks * kTileK, K, xp + packed_block(j, ks, K), c.data() + (i * token_blocks + j) * kTile * kTile);
    } else {
        amx_blocks(a, row_blocks, K, xp, token_blocks, c.data());
    }
    for (int64_t i = 0; i < row_blocks; ++i)
        for (int64_t j = 0; j < token_blocks; ++j) scatter(c.data() + (i * token_blocks + j) * kTile * kTile, i * kTile, R, j * kTile, T, y, ldy);
}

bool cpu_has_amx_bf16() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    const bool tile = (d >> 24) & 1, bf16 = (d >> 22) & 1;
    return tile && bf16;
}

}  // namespace

bool amx_usable() {
    static const bool ok = [] {
        // Opt-in (FATHOM_AMX=1) until the hardware path has run on an AMX machine: the layouts are tested with
        // emulated tiles only so far.
        const char* env = std::getenv("FATHOM_AMX");
        if (!env || std::string(env) != "1") return false;
        if (!cpu_has_amx_bf16()) return false;
        // Linux hands out the 8 KiB tile state only on request (ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA).
        constexpr long kReqXcompPerm = 0x1023, kXtileData = 18;
        return syscall(SYS_arch_prctl, kReqXcompPerm, kXtileData) == 0;
    }();
    return ok;
}

bool pack_tokens_bf16(const float* x, int64_t T, int64_t in, uint16_t* out) {
    const int64_t token_blocks = (T + kTile - 1) / kTile, steps = in / kTileK;
    // The padding tokens of the last block read as zeros; every other value is written below.
    if (T % kTile) std::fill(out + packed_block(token_blocks - 1, 0, in), out + token_blocks * kTile * in, uint16_t{0});
    for (int64_t t = 0; t < T; ++t) {
        uint16_t row[kTileK];
        for (int64_t ks = 0; ks < steps; ++ks) {
            if (!to_bf16_exact(x + t * in + ks * kTileK, kTileK, row)) return false;
            uint16_t* block = out + packed_block(t / kTile, ks, in);
            const int64_t n = t % kTile;
            for (int64_t j = 0; j < kTileK / 2; ++j) {
                block[j * kTileK + 2 * n] = row[2 * j];
                block[j * kTileK + 2 * n + 1] = row[2 * j + 1];
            }
        }
    }
    return true;
}

void amx_tile_product(const uint16_t* w, int64_t R, int64_t K, const uint16_t* x_packed, int64_t T, float* y, int64_t ldy) {
    tile_product<false>(w, R, K, x_packed, T, y, ldy);
}

void amx_tile_product_emulated(const uint16_t* w, int64_t R, int64_t K, const uint16_t* x_packed, int64_t T, float* y, int64_t ldy) {
    tile_product<true>(w, R, K, x_packed, T, y, ldy);
}

bool amx_linear(const LinearKernels& kernels, const Weight& w, const float* x, int64_t T, float* y) {
    if (T < kAmxMinTokens || w.in % kTileK != 0 || !amx_usable()) return false;
    thread_local std::vector<uint16_t> packed;
    packed.resize(static_cast<size_t>((T + kTile - 1) / kTile * kTile * w.in));
    if (!pack_tokens_bf16(x, T, w.in, packed.data())) return false;
    const uint16_t* xp = packed.data();
    bf16_weight_tiles(kernels, w, x, T, y,
                      [&](const uint16_t* wb, int64_t R, int64_t r0) { amx_tile_product(wb, R, w.in, xp, T, y + r0, w.out); });
    return true;
}

}  // namespace fathom::cpu
