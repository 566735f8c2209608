// AVX-512 linear kernels: vectorised FP8/FP4/bf16 decoding (16 lanes) and an 8-row x 3-token register tile.
#include "cpu/linear_kernels.hpp"

#include "model/number_formats.hpp"

#include <cstring>
#include <vector>
#include <immintrin.h>

namespace fathom::cpu {

namespace {

#define FATHOM_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))

inline float fp8_rebias(uint8_t scale_byte, float* second) {
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

FATHOM_AVX512 void decode_fp8(const Weight& w, int64_t r0, int64_t R, float* dst) {
    const __m512i m7f = _mm512_set1_epi32(0x7f), m80 = _mm512_set1_epi32(0x80);
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * w.in;
        const uint8_t* s = w.scale + (o / 128) * w.scale_cols;
        float* out = dst + r * w.in;
        for (int64_t b = 0; b < w.in; b += 128) {
            const int64_t e = std::min<int64_t>(w.in, b + 128);
            float second;
            const __m512 f = _mm512_set1_ps(fp8_rebias(s[b / 128], &second));
            const __m512 g = _mm512_set1_ps(second);
            int64_t i = b;
            for (; i + 16 <= e; i += 16) {
                const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + i)));
                const __m512i bits = _mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(v, m7f), 20),
                                                     _mm512_slli_epi32(_mm512_and_si512(v, m80), 24));
                _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_mul_ps(_mm512_castsi512_ps(bits), f), g));
            }
            for (; i < e; ++i) out[i] = fp8_e4m3_to_f32(q[i]) * e8m0_to_f32(s[b / 128]);
        }
    }
}

FATHOM_AVX512 void decode_fp4(const Weight& w, int64_t r0, int64_t R, float* dst) {
    const __m512 lut = _mm512_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, -0.0f, -0.5f, -1.0f, -1.5f, -2.0f,
                                      -3.0f, -4.0f, -6.0f);
    const __m512i first = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i second = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * (w.in / 2);
        const uint8_t* s = w.scale + o * w.scale_cols;
        float* out = dst + r * w.in;
        for (int64_t g = 0; g < w.in / 32; ++g) {
            const __m512 sc = _mm512_set1_ps(e8m0_to_f32(s[g]));
            const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + g * 16)));
            const __m512 lo = _mm512_mul_ps(_mm512_permutexvar_ps(b, lut), sc);  // permute uses the low 4 bits
            const __m512 hi = _mm512_mul_ps(_mm512_permutexvar_ps(_mm512_srli_epi32(b, 4), lut), sc);
            _mm512_storeu_ps(out + g * 32, _mm512_permutex2var_ps(lo, first, hi));
            _mm512_storeu_ps(out + g * 32 + 16, _mm512_permutex2var_ps(lo, second, hi));
        }
    }
}

FATHOM_AVX512 void decode_bf16(const Weight& w, int64_t r0, int64_t R, float* dst) {
    for (int64_t r = 0; r < R; ++r) {
        const uint8_t* p = w.data + (w.row0 + r0 + r) * w.in * 2;
        float* out = dst + r * w.in;
        int64_t i = 0;
        for (; i + 16 <= w.in; i += 16) {
            const __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2 * i)));
            _mm512_storeu_ps(out + i, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
        }
        for (; i < w.in; ++i) {
            uint16_t b;
            std::memcpy(&b, p + 2 * i, 2);
            out[i] = bf16_to_f32(b);
        }
    }
}

FATHOM_AVX512 void decode_rows(const Weight& w, int64_t r0, int64_t R, float* dst) {
    switch (w.format) {
        case WeightFormat::Fp8Block128: return decode_fp8(w, r0, R, dst);
        case WeightFormat::Fp4Group32: return decode_fp4(w, r0, R, dst);
        case WeightFormat::Bf16: return decode_bf16(w, r0, R, dst);
        case WeightFormat::F32: return reference_kernels().decode_rows(w, r0, R, dst);
    }
}

template <int NR, int NT>
FATHOM_AVX512 void micro_tile(const float* wt, const float* x, int64_t K, float* y, int64_t ldy) {
    __m512 acc[NR][NT];
    for (int r = 0; r < NR; ++r)
        for (int t = 0; t < NT; ++t) acc[r][t] = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
        __m512 xv[NT];
        for (int t = 0; t < NT; ++t) xv[t] = _mm512_loadu_ps(x + t * K + k);
        for (int r = 0; r < NR; ++r) {
            const __m512 wv = _mm512_loadu_ps(wt + r * K + k);
            for (int t = 0; t < NT; ++t) acc[r][t] = _mm512_fmadd_ps(wv, xv[t], acc[r][t]);
        }
    }
    if (k < K) {
        const __mmask16 m = static_cast<__mmask16>((1u << (K - k)) - 1);
        __m512 xv[NT];
        for (int t = 0; t < NT; ++t) xv[t] = _mm512_maskz_loadu_ps(m, x + t * K + k);
        for (int r = 0; r < NR; ++r) {
            const __m512 wv = _mm512_maskz_loadu_ps(m, wt + r * K + k);
            for (int t = 0; t < NT; ++t) acc[r][t] = _mm512_fmadd_ps(wv, xv[t], acc[r][t]);
        }
    }
    for (int r = 0; r < NR; ++r)
        for (int t = 0; t < NT; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]);
}

template <int NR>
FATHOM_AVX512 void rows_by_tokens(const float* wt, const float* x, int64_t T, int64_t K, float* y, int64_t ldy) {
    int64_t t = 0;
    for (; t + 3 <= T; t += 3) micro_tile<NR, 3>(wt, x + t * K, K, y + t * ldy, ldy);
    for (; t < T; ++t) micro_tile<NR, 1>(wt, x + t * K, K, y + t * ldy, ldy);
}

FATHOM_AVX512 void tile_product(const float* wt, int64_t R, const float* x, int64_t T, int64_t K, float* y, int64_t ldy) {
    int64_t r = 0;
    for (; r + 8 <= R; r += 8) rows_by_tokens<8>(wt + r * K, x, T, K, y + r, ldy);
    for (; r < R; ++r) rows_by_tokens<1>(wt + r * K, x, T, K, y + r, ldy);
}

// Fused decode-and-multiply for up to 4 tokens: each 16 (FP8, bf16) or 32 (FP4) weights are decoded in a register
// and meet every token's x there; scales apply once per block or group.
template <int NT>
FATHOM_AVX512 void fused_fp8(const Weight& w, int64_t r0, int64_t R, const float* xs, float* y, int64_t ldy) {
    const __m512i m7f = _mm512_set1_epi32(0x7f), m80 = _mm512_set1_epi32(0x80);
    const __m512 rebias = _mm512_set1_ps(0x1p120f);
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * w.in;
        const uint8_t* s = w.scale + (o / 128) * w.scale_cols;
        __m512 acc[NT];
        for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
        for (int64_t b = 0; b < w.in; b += 128) {
            const int64_t e = std::min<int64_t>(w.in, b + 128);
            // One partial sum per token: two chains made no difference the dev box could resolve for FP8 (cpu-linear).
            __m512 part[NT];
            for (int t = 0; t < NT; ++t) part[t] = _mm512_setzero_ps();
            for (int64_t i = b; i < e; i += 16) {
                const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + i)));
                const __m512i bits = _mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(v, m7f), 20),
                                                     _mm512_slli_epi32(_mm512_and_si512(v, m80), 24));
                const __m512 wv = _mm512_mul_ps(_mm512_castsi512_ps(bits), rebias);
                for (int t = 0; t < NT; ++t) part[t] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xs + t * 2 * w.in + i), part[t]);
            }
            const __m512 sc = _mm512_set1_ps(e8m0_to_f32(s[b / 128]));
            for (int t = 0; t < NT; ++t) acc[t] = _mm512_fmadd_ps(part[t], sc, acc[t]);
        }
        for (int t = 0; t < NT; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[t]);
    }
}

template <int NT>
FATHOM_AVX512 void fused_fp4(const Weight& w, int64_t r0, int64_t R, const float* xs, float* y, int64_t ldy) {
    const __m512 lut = _mm512_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, -0.0f, -0.5f, -1.0f, -1.5f, -2.0f,
                                      -3.0f, -4.0f, -6.0f);
    const int64_t half = w.in / 2;
    for (int64_t r = 0; r < R; ++r) {
        const int64_t o = w.row0 + r0 + r;
        const uint8_t* q = w.data + o * half;
        const uint8_t* s = w.scale + o * w.scale_cols;
        __m512 acc[NT];
        for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
        // A second accumulator per token for odd groups: two FMA chains instead of one (each written out, so both
        // stay in registers).
        __m512 acc_odd[NT];
        for (int t = 0; t < NT; ++t) acc_odd[t] = _mm512_setzero_ps();
        auto group = [&](int64_t g, __m512 (&into)[NT]) FATHOM_AVX512 {
            const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + g * 16)));
            const __m512 lo = _mm512_permutexvar_ps(b, lut);                          // even columns
            const __m512 hi = _mm512_permutexvar_ps(_mm512_srli_epi32(b, 4), lut);    // odd columns
            const __m512 sc = _mm512_set1_ps(e8m0_to_f32(s[g]));
            for (int t = 0; t < NT; ++t) {
                const float* xe = xs + t * 2 * w.in + w.in + g * 16;
                const __m512 part = _mm512_fmadd_ps(hi, _mm512_loadu_ps(xe + half), _mm512_mul_ps(lo, _mm512_loadu_ps(xe)));
                into[t] = _mm512_fmadd_ps(part, sc, into[t]);
            }
        };
        const int64_t groups = w.in / 32;
        int64_t g = 0;
        for (; g + 2 <= groups; g += 2) {
            group(g, acc);
            group(g + 1, acc_odd);
        }
        if (g < groups) group(g, acc);
        for (int t = 0; t < NT; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(_mm512_add_ps(acc[t], acc_odd[t]));
    }
}

template <int NT>
FATHOM_AVX512 void fused_bf16(const Weight& w, int64_t r0, int64_t R, const float* xs, float* y, int64_t ldy) {
    for (int64_t r = 0; r < R; ++r) {
        const uint8_t* p = w.data + (w.row0 + r0 + r) * w.in * 2;
        __m512 acc[NT];
        for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
        __m512 acc_odd[NT];
        for (int t = 0; t < NT; ++t) acc_odd[t] = _mm512_setzero_ps();
        auto chunk = [&](int64_t i, __m512 (&into)[NT]) FATHOM_AVX512 {
            const __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2 * i)));
            const __m512 wv = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
            for (int t = 0; t < NT; ++t) into[t] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xs + t * 2 * w.in + i), into[t]);
        };
        int64_t i = 0;
        for (; i + 32 <= w.in; i += 32) {
            chunk(i, acc);
            chunk(i + 16, acc_odd);
        }
        if (i < w.in) chunk(i, acc);
        for (int t = 0; t < NT; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(_mm512_add_ps(acc[t], acc_odd[t]));
    }
}

template <int NT>
FATHOM_AVX512 void fused_nt(const Weight& w, int64_t r0, int64_t R, const float* xs, float* y, int64_t ldy) {
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

FATHOM_AVX512 void fused_rows(const Weight& w, int64_t r0, int64_t R, const float* xs, int64_t T, float* y, int64_t ldy) {
    switch (T) {
        case 1: return fused_nt<1>(w, r0, R, xs, y, ldy);
        case 2: return fused_nt<2>(w, r0, R, xs, y, ldy);
        case 3: return fused_nt<3>(w, r0, R, xs, y, ldy);
        default: return fused_nt<4>(w, r0, R, xs, y, ldy);
    }
}

const LinearKernels kAvx512{"avx512", decode_rows, tile_product, fused_rows};

}  // namespace

const LinearKernels* avx512_kernels() {
    static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
    return ok ? &kAvx512 : nullptr;
}

}  // namespace fathom::cpu
