#include "cpu/bf16_exact.hpp"

#include <cstring>
#include <immintrin.h>

namespace fathom::cpu {

namespace {

// Sixteen at a time where the CPU has AVX-512.
__attribute__((target("avx512f,avx512bw"))) int64_t to_bf16_exact_avx512(const float* src, int64_t n, uint16_t* dst, bool& ok) {
    const __m512i low = _mm512_set1_epi32(0xffff), exponent = _mm512_set1_epi32(0x7f800000), magnitude = _mm512_set1_epi32(0x7fffffff);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i v = _mm512_loadu_si512(src + i);
        const __m512i e = _mm512_and_si512(v, exponent);
        const __mmask16 inexact = _mm512_test_epi32_mask(v, low);
        const __mmask16 subnormal = _mm512_cmpeq_epi32_mask(e, _mm512_setzero_si512()) & _mm512_test_epi32_mask(v, magnitude);
        const __mmask16 special = _mm512_cmpeq_epi32_mask(e, exponent);
        if (inexact | subnormal | special) {
            ok = false;
            return i;
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm512_cvtepi32_epi16(_mm512_srli_epi32(v, 16)));
    }
    return i;
}

}  // namespace

bool cpu_has_avx512_bf16() {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("fma");
}

bool to_bf16_exact(const float* src, int64_t n, uint16_t* dst) {
    int64_t i = 0;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
        bool ok = true;
        i = to_bf16_exact_avx512(src, n, dst, ok);
        if (!ok) return false;
    }
    for (; i < n; ++i) {
        uint32_t bits;
        std::memcpy(&bits, src + i, 4);
        // Exact: nothing in the low half; normal or zero (BF16 dot products and AMX tiles read subnormals as zero).
        const uint32_t exponent = (bits >> 23) & 0xff;
        if ((bits & 0xffffu) || (exponent == 0 && (bits & 0x7fffffffu)) || exponent == 0xff) return false;
        dst[i] = static_cast<uint16_t>(bits >> 16);
    }
    return true;
}

}  // namespace fathom::cpu
