// AVX2 + FMA linear kernels: vectorised FP8/FP4/bf16 decoding and a 4-row x 3-token register tile.
#include "cpu/linear_kernels.hpp"

#include "model/number_formats.hpp"

#include <cstring>
#include <vector>
#include <immintrin.h>

namespace fathom::cpu {

namespace {

#define FATHOM_AVX2 __attribute__((target("avx2,fma")))

// e4m3 bits placed in an f32 (sign to bit 31, exponent+mantissa to bits 20..26) read as 2^-120 times the
// e4m3 value, subnormals included; one multiply by 2^120 * block scale restores it exactly.
FATHOM_AVX2 inline __m256 fp8x8_bits(const uint8_t* p) {
    const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    const __m256i mag = _mm256_slli_epi32(_mm256_and_si256(b, _mm256_set1_epi32(0x7f)), 20);
    const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(b, _mm256_set1_epi32(0x80)), 24);
    return _mm256_castsi256_ps(_mm256_or_si256(mag, sign));
}

inline float fp8_rebias(uint8_t scale_byte, float* second) {
    // 2^(b-127) * 2^120 fits an f32 when b <= 134; larger scales take a second exact multiply.
    if (scale_byte <= 134) {
        *second = 1.0f;
        const uint32_t bits = static_cast<uint32_t>(scale_byte + 120) << 23;
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }
    *second = e8m0_to_f32(scale_byte);
    return 0x1p120f;
}

FATHOM_AVX2 void decode_fp8(const Weight& w, int64_t r0, int64_t R, float* dst) {
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * w.in;
        const uint8_t* s = w.scale + (o / 128) * w.scale_cols;
        float* out = dst + r * w.in;
        for (int64_t b = 0; b < w.in; b += 128) {
            const int64_t e = std::min<int64_t>(w.in, b + 128);
            float second;
            const __m256 f = _mm256_set1_ps(fp8_rebias(s[b / 128], &second));
            const __m256 g = _mm256_set1_ps(second);
            int64_t i = b;
            for (; i + 8 <= e; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(fp8x8_bits(q + i), f), g));
            for (; i < e; ++i) out[i] = fp8_e4m3_to_f32(q[i]) * e8m0_to_f32(s[b / 128]);
        }
    }
}

// Codes 0..15: magnitude from the 8-entry table (permutevar uses the low 3 bits), bit 3 flips the sign.
FATHOM_AVX2 inline __m256 fp4x8_value(__m256 lut, __m256i code, __m256 scale) {
    const __m256 mag = _mm256_permutevar8x32_ps(lut, code);
    const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(code, _mm256_set1_epi32(8)), 28);
    return _mm256_mul_ps(_mm256_xor_ps(mag, _mm256_castsi256_ps(sign)), scale);
}

FATHOM_AVX2 void decode_fp4(const Weight& w, int64_t r0, int64_t R, float* dst) {
    const __m256 lut = _mm256_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f);
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * (w.in / 2);
        const uint8_t* s = w.scale + o * w.scale_cols;
        float* out = dst + r * w.in;
        for (int64_t g = 0; g < w.in / 32; ++g) {
            const __m256 sc = _mm256_set1_ps(e8m0_to_f32(s[g]));
            for (int64_t half = 0; half < 2; ++half) {
                const uint8_t* p = q + g * 16 + half * 8;
                const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
                const __m256i lo = _mm256_and_si256(b, _mm256_set1_epi32(0xf));
                const __m256i hi = _mm256_srli_epi32(b, 4);
                const __m256 vl = fp4x8_value(lut, lo, sc), vh = fp4x8_value(lut, hi, sc);
                const __m256 a = _mm256_unpacklo_ps(vl, vh), c = _mm256_unpackhi_ps(vl, vh);
                float* dst16 = out + g * 32 + half * 16;
                _mm256_storeu_ps(dst16, _mm256_permute2f128_ps(a, c, 0x20));
                _mm256_storeu_ps(dst16 + 8, _mm256_permute2f128_ps(a, c, 0x31));
            }
        }
    }
}

FATHOM_AVX2 void decode_bf16(const Weight& w, int64_t r0, int64_t R, float* dst) {
    for (int64_t r = 0; r < R; ++r) {
        const uint8_t* p = w.data + (w.row0 + r0 + r) * w.in * 2;
        float* out = dst + r * w.in;
        int64_t i = 0;
        for (; i + 8 <= w.in; i += 8) {
            const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * i)));
            _mm256_storeu_ps(out + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
        }
        for (; i < w.in; ++i) {
            uint16_t b;
            std::memcpy(&b, p + 2 * i, 2);
            out[i] = bf16_to_f32(b);
        }
    }
}

FATHOM_AVX2 void decode_rows(const Weight& w, int64_t r0, int64_t R, float* dst) {
    switch (w.format) {
        case WeightFormat::Fp8Block128: return decode_fp8(w, r0, R, dst);
        case WeightFormat::Fp4Group32: return decode_fp4(w, r0, R, dst);
        case WeightFormat::Bf16: return decode_bf16(w, r0, R, dst);
        case WeightFormat::F32: return reference_kernels().decode_rows(w, r0, R, dst);
    }
}

FATHOM_AVX2 inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Up to 4 rows x 3 tokens of dot products at once: every weight load feeds 3 FMAs, every x load 4.
template <int NR, int NT>
FATHOM_AVX2 void micro_tile(const float* wt, const float* x, int64_t K, float* y, int64_t ldy) {
    __m256 acc[NR][NT];
    for (int r = 0; r < NR; ++r)
        for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 8 <= K; k += 8) {
        __m256 xv[NT];
        for (int t = 0; t < NT; ++t) xv[t] = _mm256_loadu_ps(x + t * K + k);
        for (int r = 0; r < NR; ++r) {
            const __m256 wv = _mm256_loadu_ps(wt + r * K + k);
            for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_fmadd_ps(wv, xv[t], acc[r][t]);
        }
    }
    for (int r = 0; r < NR; ++r)
        for (int t = 0; t < NT; ++t) {
            float s = hsum(acc[r][t]);
            for (int64_t kk = k; kk < K; ++kk) s += wt[r * K + kk] * x[t * K + kk];
            y[t * ldy + r] = s;
        }
}

template <int NR>
FATHOM_AVX2 void rows_by_tokens(const float* wt, const float* x, int64_t T, int64_t K, float* y, int64_t ldy) {
    int64_t t = 0;
    for (; t + 3 <= T; t += 3) micro_tile<NR, 3>(wt, x + t * K, K, y + t * ldy, ldy);
    for (; t < T; ++t) micro_tile<NR, 1>(wt, x + t * K, K, y + t * ldy, ldy);
}

FATHOM_AVX2 void tile_product(const float* wt, int64_t R, const float* x, int64_t T, int64_t K, float* y, int64_t ldy) {
    int64_t r = 0;
    for (; r + 4 <= R; r += 4) rows_by_tokens<4>(wt + r * K, x, T, K, y + r, ldy);
    for (; r < R; ++r) rows_by_tokens<1>(wt + r * K, x, T, K, y + r, ldy);
}

// Fused decode-and-multiply for up to 4 tokens (see the AVX-512 twin): weights decoded in registers, 8 at a time.
template <int NT>
FATHOM_AVX2 void fused_fp8(const Weight& w, int64_t r0, int64_t R, const float* xs, float* y, int64_t ldy) {
    const __m256 rebias = _mm256_set1_ps(0x1p120f);
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * w.in;
        const uint8_t* s = w.scale + (o / 128) * w.scale_cols;
        __m256 acc[NT];
        for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
        for (int64_t b = 0; b < w.in; b += 128) {
            const int64_t e = std::min<int64_t>(w.in, b + 128);
            __m256 part[NT];
            for (int t = 0; t < NT; ++t) part[t] = _mm256_setzero_ps();
            for (int64_t i = b; i < e; i += 8) {
                const __m256 wv = _mm256_mul_ps(fp8x8_bits(q + i), rebias);
                for (int t = 0; t < NT; ++t) part[t] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xs + t * 2 * w.in + i), part[t]);
            }
            const __m256 sc = _mm256_set1_ps(e8m0_to_f32(s[b / 128]));
            for (int t = 0; t < NT; ++t) acc[t] = _mm256_fmadd_ps(part[t], sc, acc[t]);
        }
        for (int t = 0; t < NT; ++t) y[t * ldy + r] = hsum(acc[t]);
    }
}

template <int NT>
FATHOM_AVX2 void fused_fp4(const Weight& w, int64_t r0, int64_t R, const float* xs, float* y, int64_t ldy) {
    const __m256 lut = _mm256_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f);
    const __m256 one = _mm256_set1_ps(1.0f);
    const int64_t half = w.in / 2;
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * half;
        const uint8_t* s = w.scale + o * w.scale_cols;
        __m256 acc[NT];
        for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
        for (int64_t g = 0; g < w.in / 32; ++g) {
            const __m256 sc = _mm256_set1_ps(e8m0_to_f32(s[g]));
            for (int64_t h8 = 0; h8 < 2; ++h8) {  // 8 bytes = 8 even and 8 odd columns
                const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + g * 16 + h8 * 8)));
                const __m256 lo = fp4x8_value(lut, _mm256_and_si256(b, _mm256_set1_epi32(0xf)), one);
                const __m256 hi = fp4x8_value(lut, _mm256_srli_epi32(b, 4), one);
                for (int t = 0; t < NT; ++t) {
                    const float* xe = xs + t * 2 * w.in + w.in + g * 16 + h8 * 8;
                    const __m256 part = _mm256_fmadd_ps(hi, _mm256_loadu_ps(xe + half), _mm256_mul_ps(lo, _mm256_loadu_ps(xe)));
                    acc[t] = _mm256_fmadd_ps(part, sc, acc[t]);
                }
            }
        }
        for (int t = 0; t < NT; ++t) y[t * ldy + r] = hsum(acc[t]);
    }
}

template <int NT>
FATHOM_AVX2 void fused_bf16(const Weight& w, int64_t r0, int64_t R, const float* xs, float* y, int64_t ldy) {
    for (int64_t r = 0; r < R; ++r) {
        const uint8_t* p = w.data + (w.row0 + r0 + r) * w.in * 2;
        __m256 acc[NT];
        for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
        for (int64_t i = 0; i < w.in; i += 8) {
            const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * i)));
            const __m256 wv = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
            for (int t = 0; t < NT; ++t) acc[t] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xs + t * 2 * w.in + i), acc[t]);
        }
        for (int t = 0; t < NT; ++t) y[t * ldy + r] = hsum(acc[t]);
    }
}

template <int NT>
FATHOM_AVX2 void fused_nt(const Weight& w, int64_t r0, int64_t R, const float* xs, float* y, int64_t ldy) {
    switch (w.format) {
        case WeightFormat::Fp8Block128: return fused_fp8<NT>(w, r0, R, xs, y, ldy);
        case WeightFormat::Fp4Group32: return fused_fp4<NT>(w, r0, R, xs, y, ldy);
        case WeightFormat::Bf16: return fused_bf16<NT>(w, r0, R, xs, y, ldy);
        case WeightFormat::F32: {
            thread_local std::vector<float> wt;
            wt.resize(static_cast<size_t>(R * w.in));
            reference_kernels().decode_rows(w, r0, R, wt.data());
            for (int t = 0; t < NT; ++t) tile_product(wt.data(), R, xs + t * 2 * w.in, 1, w.in, y + t * ldy, ldy);
            return;
        }
    }
}

FATHOM_AVX2 void fused_rows(const Weight& w, int64_t r0, int64_t R, const float* xs, int64_t T, float* y, int64_t ldy) {
    switch (T) {
        case 1: return fused_nt<1>(w, r0, R, xs, y, ldy);
        case 2: return fused_nt<2>(w, r0, R, xs, y, ldy);
        case 3: return fused_nt<3>(w, r0, R, xs, y, ldy);
        default: return fused_nt<4>(w, r0, R, xs, y, ldy);
    }
}

const LinearKernels kAvx2{"avx2", decode_rows, tile_product, fused_rows};

}  // namespace

const LinearKernels* avx2_kernels() {
    static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return ok ? &kAvx2 : nullptr;
}

}  // namespace fathom::cpu
