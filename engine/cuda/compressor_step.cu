#include "cuda/compressor_step.cuh"

#include "cuda/cuda_error.hpp"
#include "cuda/row_math.cuh"
#include "fathom/error.hpp"

#include <string>

namespace fathom::cuda {

namespace {

// 1024 threads, as rms_norm_rows and compressor_pool run a single row with: thread i owns channel i throughout, so
// every value is computed in the order those kernels compute it.
constexpr int kThreads = 1024;

__global__ void __launch_bounds__(kThreads) compressor_step_kernel(CompressorStep g) {
    __shared__ float scratch[32];
    __shared__ float v[kThreads];
    const int64_t pos = *g.position, m = g.ratio, c = g.width;
    const bool overlap = m == 4;
    const int64_t pw = overlap ? 2 * c : c, own = overlap ? c : 0;
    const int64_t slot = pos % m;
    const int i = threadIdx.x;
    // The block's rows: the ones kept in the partial block, and this token's (z with its positional bias). A token
    // that completes the block is not stored there (the chunked path leaves that slot alone too).
    auto z_at = [&](int64_t t, int64_t j) { return t == slot ? g.z[j] + g.ape[slot * pw + j] : g.block_z[t * pw + j]; };
    auto a_at = [&](int64_t t, int64_t j) { return t == slot ? g.a[j] : g.block_a[t * pw + j]; };
    if (slot != m - 1) {
        for (int64_t j = i; j < pw; j += blockDim.x) {
            g.block_a[slot * pw + j] = g.a[j];
            g.block_z[slot * pw + j] = z_at(slot, j);
        }
        return;  // the block is not complete yet (the same for every thread)
    }

    // Pooling (compressor_pool_kernel with the block at the start of ext and the previous block in prev).
    const int64_t k = pos / m;
    const bool prev_ok = overlap && k > 0;
    float val = 0.0f;
    if (i < c) {
        float mx = -INFINITY;
        for (int64_t t = 0; t < m; ++t) mx = fmaxf(mx, z_at(t, own + i));
        if (prev_ok)
            for (int64_t t = 0; t < m; ++t) mx = fmaxf(mx, g.prev_z[t * c + i]);
        float sum = 0.0f, acc = 0.0f;
        for (int64_t t = 0; t < m; ++t) {
            const float e = expf(z_at(t, own + i) - mx);
            sum += e;
            acc += e * a_at(t, own + i);
        }
        if (prev_ok)
            for (int64_t t = 0; t < m; ++t) {
                const float e = expf(g.prev_z[t * c + i] - mx);
                sum += e;
                acc += e * g.prev_a[t * c + i];
            }
        val = acc / sum;
    }
    __syncthreads();  // every thread has read prev before it is overwritten
    if (overlap)
        for (int64_t j = i; j < m * c; j += blockDim.x) {
            const int64_t t = j / c, ch = j % c;
            g.prev_a[j] = a_at(t, ch);
            g.prev_z[j] = z_at(t, ch);
        }

    // RMSNorm (rms_norm_kernel).
    float ss = 0.0f;
    if (i < c) ss += val * val;
    ss = row_math::block_sum(ss, scratch);
    const float r = rsqrtf(ss / static_cast<float>(c) + g.eps);
    if (i < c) v[i] = val * r * g.norm[i];
    __syncthreads();

    // RoPE on the last rope_dims channels at the block's first position (rope_kernel).
    const int64_t rd = g.rope_dims;
    if (i < rd / 2) row_math::rope_pair(v + (c - rd) + 2 * i, static_cast<float>(k * m), g.freqs[i], false);
    __syncthreads();

    float* row = g.rows + k * c;
    if (g.indexer) {
        // Hadamard then FP4 per 32 (hadamard_fp4_kernel: thread i holds element i).
        for (int h = 1; h < c; h *= 2) {
            float mine = 0.0f, other = 0.0f;
            if (i < c) mine = v[i], other = v[i ^ h];
            __syncthreads();
            if (i < c) v[i] = (i & h) ? other - mine : mine + other;
            __syncthreads();
        }
        const float x = i < c ? v[i] * (1.0f / sqrtf(static_cast<float>(c))) : 0.0f;
        const float amax = row_math::warp_max_abs(x);
        if (i < c) row[i] = row_math::fp4_round_in_block(x, amax);
    } else {
        // FP8 in blocks of 64 over the non-rope channels (fp8_round_kernel: one warp per block), the rest as is.
        const int warp = i / 32, lane = i % 32;
        const int64_t n = c - rd, blocks = (n + 63) / 64;
        for (int64_t b = warp; b < blocks; b += kThreads / 32) {
            const float* p = v + b * 64;
            const int64_t len = min(int64_t{64}, n - b * 64);
            float amax = 0.0f;
            for (int64_t j = lane; j < len; j += 32) amax = fmaxf(amax, fabsf(p[j]));
            for (int d = 16; d > 0; d >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, d));
            const float scale = fp8_block_scale(amax);
            for (int64_t j = lane; j < len; j += 32) row[b * 64 + j] = row_math::fp8_round_scaled(p[j], scale);
        }
        for (int64_t j = n + i; j < c; j += blockDim.x) row[j] = v[j];
    }
}

}  // namespace

void compressor_step(const CompressorStep& step, cudaStream_t s) {
    if (step.width <= 0 || step.width > kThreads) throw Error("compressor_step: width " + std::to_string(step.width) + " outside 1..1024");
    if (step.ratio <= 0 || step.rope_dims > step.width || step.rope_dims % 2 != 0) throw Error("compressor_step: bad ratio or rope dims");
    if (step.indexer && (step.width < 32 || (step.width & (step.width - 1)) != 0))
        throw Error("compressor_step: indexer width must be a power of two of at least 32");
    compressor_step_kernel<<<1, kThreads, 0, s>>>(step);
    FATHOM_CUDA_CHECK_LAUNCH();
}

}  // namespace fathom::cuda
