#include "cpu/fp4_bf16_rows.hpp"

#include "cpu/bf16_exact.hpp"
#include "fathom/error.hpp"
#include "model/number_formats.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <immintrin.h>

namespace fathom::cpu {

namespace {

#define FATHOM_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,fma")))

// One row: 32 bytes (64 weights, two scale groups) per step. The low nibbles (even columns) and the high nibbles
// (odd columns) each become 32 bf16 lanes through one 16-bit permute, and meet the even and odd activations.
// A row's E8M0 group scales as floats, 16 at a time (shift into the exponent field); a row holding the two bytes
// that do not map that way (0: 2^-127, a subnormal; 0xff: NaN) takes the scalar conversion.
FATHOM_AVX512_BF16 void row_scales(const uint8_t* s, int64_t n, float* out) {
    int64_t j = 0;
    __mmask16 special = 0;
    for (; j + 16 <= n; j += 16) {
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + j));
        special |= _mm_cmpeq_epi8_mask(b, _mm_setzero_si128()) | _mm_cmpeq_epi8_mask(b, _mm_set1_epi8(static_cast<char>(0xff)));
        _mm512_storeu_ps(out + j, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu8_epi32(b), 23)));
    }
    if (special) j = 0;
    for (; j < n; ++j) out[j] = e8m0_to_f32(s[j]);
}

// One row: 64 bytes (128 weights, four scale groups) per step, read as 32 words of four nibbles each. Word w holds
// elements 4w..4w+3 of the step; shifting by 0, 4, 8 and 12 bits puts each nibble at the bottom, and one 16-bit
// permute through a table that repeats every 16 entries (the bit above the nibble does not matter) turns it into
// bf16. Element 4w+k meets activation quarter k, so each dot-product lane (words 2i, 2i+1) stays in group i / 4.
template <int NT>
FATHOM_AVX512_BF16 void rows(const Weight& w, int64_t r0, int64_t R, const uint16_t* xs, float* y, int64_t ldy) {
    // e2m1 codes 0..15 as bf16 bit patterns (0, 0.5, 1, 1.5, 2, 3, 4, 6, then the negatives), twice.
    const __m512i lut = _mm512_set_epi16(static_cast<short>(0xC0C0), static_cast<short>(0xC080), static_cast<short>(0xC040),
                                         static_cast<short>(0xC000), static_cast<short>(0xBFC0), static_cast<short>(0xBF80),
                                         static_cast<short>(0xBF00), static_cast<short>(0x8000), 0x40C0, 0x4080, 0x4040, 0x4000,
                                         0x3FC0, 0x3F80, 0x3F00, 0x0000,
                                         static_cast<short>(0xC0C0), static_cast<short>(0xC080), static_cast<short>(0xC040),
                                         static_cast<short>(0xC000), static_cast<short>(0xBFC0), static_cast<short>(0xBF80),
                                         static_cast<short>(0xBF00), static_cast<short>(0x8000), 0x40C0, 0x4080, 0x4040, 0x4000,
                                         0x3FC0, 0x3F80, 0x3F00, 0x0000);
    const __m512i group_of_lane = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
    const int64_t in = w.in, half = in / 2, quarter = in / 4, groups = in / 32;
    // Group scales as floats, converted once per row.
    thread_local std::vector<float> scales;
    if (static_cast<int64_t>(scales.size()) < groups) scales.resize(static_cast<size_t>(groups));
    float* sf = scales.data();
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * half;
        row_scales(w.scale + o * w.scale_cols, groups, sf);
        // Two accumulator sets (quarters 0-1 and 2-3): shorter dependency chains for one token.
        __m512 acc[2][NT];
        for (int t = 0; t < NT; ++t) acc[0][t] = acc[1][t] = _mm512_setzero_ps();
        for (int64_t b = 0; b < half; b += 64) {
            const __m512i words = _mm512_loadu_si512(q + b);
            const __m512i w0 = _mm512_permutexvar_epi16(words, lut);
            const __m512i w1 = _mm512_permutexvar_epi16(_mm512_srli_epi16(words, 4), lut);
            const __m512i w2 = _mm512_permutexvar_epi16(_mm512_srli_epi16(words, 8), lut);
            const __m512i w3 = _mm512_permutexvar_epi16(_mm512_srli_epi16(words, 12), lut);
            const __m512 sc = _mm512_permutexvar_ps(group_of_lane, _mm512_castps128_ps512(_mm_loadu_ps(sf + b / 16)));
            for (int t = 0; t < NT; ++t) {
                const uint16_t* xt = xs + t * in + b / 2;
                __m512 lo = _mm512_dpbf16_ps(_mm512_setzero_ps(), (__m512bh)w0, (__m512bh)_mm512_loadu_si512(xt));
                lo = _mm512_dpbf16_ps(lo, (__m512bh)w1, (__m512bh)_mm512_loadu_si512(xt + quarter));
                __m512 hi = _mm512_dpbf16_ps(_mm512_setzero_ps(), (__m512bh)w2, (__m512bh)_mm512_loadu_si512(xt + 2 * quarter));
                hi = _mm512_dpbf16_ps(hi, (__m512bh)w3, (__m512bh)_mm512_loadu_si512(xt + 3 * quarter));
                acc[0][t] = _mm512_fmadd_ps(lo, sc, acc[0][t]);
                acc[1][t] = _mm512_fmadd_ps(hi, sc, acc[1][t]);
            }
        }
        for (int t = 0; t < NT; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(_mm512_add_ps(acc[0][t], acc[1][t]));
    }
}

}  // namespace

bool fp4_bf16_available() {
    static const bool ok = [] {
        const char* env = std::getenv("FATHOM_EXPERT_BF16");
        if (env && std::string(env) == "0") return false;
        return cpu_has_avx512_bf16();
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
            ot[(i % 4) * (in / 4) + i / 4] = static_cast<uint16_t>(bits >> 16);
        }
    }
    return true;
}

void fp4_bf16_rows(const Weight& w, int64_t r0, int64_t R, const uint16_t* x_split, int64_t T, float* y, int64_t ldy) {
    if (w.format != WeightFormat::Fp4Group32 || w.in % 128 != 0) throw Error("fp4_bf16_rows: FP4 rows of a multiple of 128 only");
    switch (T) {
        case 1: return rows<1>(w, r0, R, x_split, y, ldy);
        case 2: return rows<2>(w, r0, R, x_split, y, ldy);
        case 3: return rows<3>(w, r0, R, x_split, y, ldy);
        case 4: return rows<4>(w, r0, R, x_split, y, ldy);
        default: throw Error("fp4_bf16_rows: at most 4 token rows");
    }
}

}  // namespace fathom::cpu
