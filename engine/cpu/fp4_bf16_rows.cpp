#include "cpu/fp4_bf16_rows.hpp"

#include "fathom/error.hpp"
#include "model/number_formats.hpp"

#include <cstdlib>
#include <cstring>
#include <immintrin.h>

namespace fathom::cpu {

namespace {

#define FATHOM_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,fma")))

// One row: 32 bytes (64 weights, two scale groups) per step. The low nibbles (even columns) and the high nibbles
// (odd columns) each become 32 bf16 lanes through one 16-bit permute, and meet the even and odd activations.
template <int NT>
FATHOM_AVX512_BF16 void rows(const Weight& w, int64_t r0, int64_t R, const uint16_t* xs, float* y, int64_t ldy) {
    // e2m1 codes 0..15 as bf16 bit patterns (0, 0.5, 1, 1.5, 2, 3, 4, 6, then the negatives).
    const __m512i lut = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         static_cast<short>(0xC0C0), static_cast<short>(0xC080), static_cast<short>(0xC040),
                                         static_cast<short>(0xC000), static_cast<short>(0xBFC0), static_cast<short>(0xBF80),
                                         static_cast<short>(0xBF00), static_cast<short>(0x8000), 0x40C0, 0x4080, 0x4040, 0x4000,
                                         0x3FC0, 0x3F80, 0x3F00, 0x0000);
    const __m512i low_nibble = _mm512_set1_epi16(0x0f);
    const int64_t in = w.in, half = in / 2;
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * half;
        const uint8_t* s = w.scale + o * w.scale_cols;
        __m512 acc[NT];
        for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
        for (int64_t b = 0; b < half; b += 32) {
            const __m512i bytes = _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + b)));
            const __m512i even_w = _mm512_permutexvar_epi16(_mm512_and_si512(bytes, low_nibble), lut);
            const __m512i odd_w = _mm512_permutexvar_epi16(_mm512_srli_epi16(bytes, 4), lut);
            // Lanes 0-7 hold the sums of bytes b..b+15 (scale group b/16), lanes 8-15 the next group.
            const __m512 sc = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(e8m0_to_f32(s[b / 16])), _mm512_set1_ps(e8m0_to_f32(s[b / 16 + 1])));
            for (int t = 0; t < NT; ++t) {
                const uint16_t* xt = xs + t * in;
                const __m512i xe = _mm512_loadu_si512(xt + b), xo = _mm512_loadu_si512(xt + half + b);
                __m512 dp = _mm512_dpbf16_ps(_mm512_setzero_ps(), (__m512bh)even_w, (__m512bh)xe);
                dp = _mm512_dpbf16_ps(dp, (__m512bh)odd_w, (__m512bh)xo);
                acc[t] = _mm512_fmadd_ps(dp, sc, acc[t]);
            }
        }
        for (int t = 0; t < NT; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[t]);
    }
}

}  // namespace

bool fp4_bf16_available() {
    static const bool ok = [] {
        const char* env = std::getenv("FATHOM_EXPERT_BF16");
        if (env && std::string(env) == "0") return false;
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("fma");
    }();
    return ok;
}

bool split_to_bf16(const float* x, int64_t T, int64_t in, uint16_t* out) {
    for (int64_t t = 0; t < T; ++t) {
        const float* xt = x + t * in;
        uint16_t* ot = out + t * in;
        for (int64_t i = 0; i < in; ++i) {
            uint32_t bits;
            std::memcpy(&bits, xt + i, 4);
            if (bits & 0xffffu) return false;
            ot[(i & 1) ? in / 2 + i / 2 : i / 2] = static_cast<uint16_t>(bits >> 16);
        }
    }
    return true;
}

void fp4_bf16_rows(const Weight& w, int64_t r0, int64_t R, const uint16_t* x_split, int64_t T, float* y, int64_t ldy) {
    if (w.format != WeightFormat::Fp4Group32 || w.in % 64 != 0) throw Error("fp4_bf16_rows: FP4 rows of a multiple of 64 only");
    switch (T) {
        case 1: return rows<1>(w, r0, R, x_split, y, ldy);
        case 2: return rows<2>(w, r0, R, x_split, y, ldy);
        case 3: return rows<3>(w, r0, R, x_split, y, ldy);
        case 4: return rows<4>(w, r0, R, x_split, y, ldy);
        default: throw Error("fp4_bf16_rows: at most 4 token rows");
    }
}

}  // namespace fathom::cpu
