#include "cuda/cuda_error.hpp"
#include "cuda/device_buffer.hpp"
#include "cuda/forward_kernels.cuh"
#include "cuda/pointwise.cuh"

#include <cub/device/device_segmented_sort.cuh>

namespace fathom::cuda {

namespace {

__device__ float warp_sum(float v) {
    for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
    return v;
}
__device__ float warp_max(float v) {
    for (int d = 16; d > 0; d >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, d));
    return v;
}

// Block-wide reduction through shared scratch[32]; every thread gets the result.
template <bool kMax>
__device__ float block_reduce(float v, float* scratch) {
    v = kMax ? warp_max(v) : warp_sum(v);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = (blockDim.x + 31) / 32;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float w = lane < warps ? scratch[lane] : (kMax ? -INFINITY : 0.0f);
        w = kMax ? warp_max(w) : warp_sum(w);
        if (lane == 0) scratch[0] = w;
    }
    __syncthreads();
    return scratch[0];
}

__device__ float sigmoidf(float v) { return 1.0f / (1.0f + expf(-v)); }

constexpr int kMaxHc = 5;  // hc*hc cells fit one warp

__global__ void hc_pre_kernel(const float* h, const float* mixes, const float* base, const float* scale, int64_t hc,
                              int64_t d, int64_t iters, float hc_eps, float norm_eps, float* mix_out, float* x) {
    __shared__ float scratch[32];
    __shared__ float pre[kMaxHc], mix[2 * kMaxHc + kMaxHc * kMaxHc];
    const int64_t t = blockIdx.x, n = hc * d;
    const float* ht = h + t * n;
    float ss = 0.0f;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) ss += ht[i] * ht[i];
    ss = block_reduce<false>(ss, scratch);
    // Warp 0 builds the mixes: lane j*hc+k holds comb[j][k] (hc*hc <= 32); row and column sums read the cells
    // through shuffles in index order, so the sums are the CPU twin's.
    if (threadIdx.x < 32) {
        const int lane = static_cast<int>(threadIdx.x), H = static_cast<int>(hc), cells = H * H;
        const float r = rsqrtf(ss / static_cast<float>(n) + norm_eps);
        const float* m = mixes + t * (2 + hc) * hc;
        if (lane < H) {
            mix[lane] = sigmoidf(m[lane] * r * scale[0] + base[lane]) + hc_eps;
            mix[H + lane] = 2.0f * sigmoidf(m[H + lane] * r * scale[1] + base[H + lane]);
            pre[lane] = mix[lane];
        }
        const int j = lane / H, k = lane % H;
        float c = lane < cells ? m[2 * H + lane] * r * scale[2] + base[2 * H + lane] : 0.0f;
        auto row_cell = [&](float v, int kk) { return __shfl_sync(0xffffffffu, v, (j * H + kk) & 31); };
        auto col_cell = [&](float v, int jj) { return __shfl_sync(0xffffffffu, v, (jj * H + k) & 31); };
        float mx = row_cell(c, 0);
        for (int kk = 1; kk < H; ++kk) mx = fmaxf(mx, row_cell(c, kk));
        const float e = lane < cells ? expf(c - mx) : 0.0f;
        float sum = 0.0f;
        for (int kk = 0; kk < H; ++kk) sum += row_cell(e, kk);
        c = e / sum + hc_eps;
        for (int it = 0; it < iters; ++it) {
            if (it > 0) {
                sum = 0.0f;
                for (int kk = 0; kk < H; ++kk) sum += row_cell(c, kk);
                c /= (sum + hc_eps);
            }
            sum = 0.0f;
            for (int jj = 0; jj < H; ++jj) sum += col_cell(c, jj);
            c /= (sum + hc_eps);
        }
        if (lane < cells) mix[2 * H + lane] = c;
        __syncwarp();
        for (int i = lane; i < 2 * H + cells; i += 32) mix_out[t * (2 * hc + hc * hc) + i] = mix[i];
    }
    __syncthreads();
    for (int64_t e = threadIdx.x; e < d; e += blockDim.x) {
        float acc = 0.0f;
        for (int i = 0; i < hc; ++i) acc += pre[i] * ht[i * d + e];
        x[t * d + e] = acc;
    }
}

__global__ void hc_post_kernel(const float* mix, const float* y, const float* h, int64_t T, int64_t hc, int64_t d, float* h_out) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx >= T * hc * d) return;
    const int64_t t = idx / (hc * d), k = (idx / d) % hc, e = idx % d;
    const float* m = mix + t * (2 * hc + hc * hc);
    float acc = m[hc + k] * y[t * d + e];
    for (int j = 0; j < hc; ++j) acc += m[2 * hc + j * hc + k] * h[(t * hc + j) * d + e];
    h_out[idx] = acc;
}

__global__ void hc_head_kernel(const float* h, const float* mixes, const float* base, const float* scale, int64_t hc,
                               int64_t d, float hc_eps, float norm_eps, float* x) {
    __shared__ float scratch[32];
    __shared__ float pre[kMaxHc];
    const int64_t t = blockIdx.x, n = hc * d;
    const float* ht = h + t * n;
    float ss = 0.0f;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) ss += ht[i] * ht[i];
    ss = block_reduce<false>(ss, scratch);
    if (threadIdx.x == 0) {
        const float r = rsqrtf(ss / static_cast<float>(n) + norm_eps);
        for (int i = 0; i < hc; ++i) pre[i] = sigmoidf(mixes[t * hc + i] * r * scale[0] + base[i]) + hc_eps;
    }
    __syncthreads();
    for (int64_t e = threadIdx.x; e < d; e += blockDim.x) {
        float acc = 0.0f;
        for (int i = 0; i < hc; ++i) acc += pre[i] * ht[i * d + e];
        x[t * d + e] = acc;
    }
}

struct AttnArgs {
    const float *q, *chunk_kv, *ring, *compressed, *sinks;
    const int32_t* select;
    int64_t topk, ratio, pos0, H, D, W;
    float scale;
    float* out;
    const int64_t* device_pos;  // when set, the chunk's first position is read here instead of pos0
};

__device__ const float* attn_row(const AttnArgs& a, int64_t pos0, int64_t p, int64_t n_window, int64_t j, int64_t t) {
    if (j < n_window) {
        const int64_t q = p - n_window + 1 + j;
        return q >= pos0 ? a.chunk_kv + (q - pos0) * a.D : a.ring + (q % a.W) * a.D;
    }
    j -= n_window;
    const int64_t k = a.select ? a.select[t * a.topk + j] : j;
    return a.compressed + k * a.D;
}

constexpr int kAttnThreads = 256, kAttnWarps = kAttnThreads / 32, kMaxHeadDimPerLane = 32;  // head_dim <= 1024

// One block per (token, head). Scores: each warp takes every kAttnWarps-th row. Output: each warp sums its rows'
// weighted values for the whole head (lane-strided dims in registers), then the warps' partial sums are added.
__global__ void sink_attention_kernel(AttnArgs a) {
    extern __shared__ float smem[];
    __shared__ float scratch[32];
    const int64_t pos0 = a.device_pos ? *a.device_pos : a.pos0;
    const int64_t t = blockIdx.x, hh = blockIdx.y, p = pos0 + t;
    const int64_t n_window = min(a.W, p + 1);
    int64_t n_comp = 0;
    if (a.select) {
        for (int64_t j = 0; j < a.topk; ++j) n_comp += a.select[t * a.topk + j] >= 0;
    } else if (a.ratio > 0) {
        n_comp = (p + 1) / a.ratio;
    }
    const int64_t n = n_window + n_comp;
    float* qs = smem;
    float* partial = smem + a.D;              // [kAttnWarps][D]
    float* s = partial + kAttnWarps * a.D;    // [n]
    const float* q = a.q + (t * a.H + hh) * a.D;
    for (int64_t i = threadIdx.x; i < a.D; i += blockDim.x) qs[i] = q[i];
    __syncthreads();
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    for (int64_t j = warp; j < n; j += kAttnWarps) {
        const float* row = attn_row(a, pos0, p, n_window, j, t);
        float acc = 0.0f;
        for (int64_t i = lane; i < a.D; i += 32) acc += qs[i] * row[i];
        acc = warp_sum(acc);
        if (lane == 0) s[j] = acc * a.scale;
    }
    __syncthreads();
    float mx = -INFINITY;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) mx = fmaxf(mx, s[j]);
    mx = block_reduce<true>(mx, scratch);
    float sum = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) sum += (s[j] = expf(s[j] - mx));
    sum = block_reduce<false>(sum, scratch);
    const float denom = sum + expf(a.sinks[hh] - mx);
    const int per_lane = static_cast<int>((a.D + 31) / 32);
    float acc[kMaxHeadDimPerLane];
#pragma unroll
    for (int k = 0; k < kMaxHeadDimPerLane; ++k) acc[k] = 0.0f;
    for (int64_t j = warp; j < n; j += kAttnWarps) {
        const float* row = attn_row(a, pos0, p, n_window, j, t);
        const float w = s[j];
#pragma unroll
        for (int k = 0; k < kMaxHeadDimPerLane; ++k)
            if (k < per_lane && lane + 32 * k < a.D) acc[k] += w * row[lane + 32 * k];
    }
#pragma unroll
    for (int k = 0; k < kMaxHeadDimPerLane; ++k)
        if (k < per_lane && lane + 32 * k < a.D) partial[warp * a.D + lane + 32 * k] = acc[k];
    __syncthreads();
    float* o = a.out + (t * a.H + hh) * a.D;
    for (int64_t i = threadIdx.x; i < a.D; i += blockDim.x) {
        float v = 0.0f;
        for (int w = 0; w < kAttnWarps; ++w) v += partial[w * a.D + i];
        o[i] = v / denom;
    }
}

__global__ void write_window_row_kernel(float* ring, const float* kv, const int64_t* device_pos, int64_t W, int64_t D) {
    float* dst = ring + (*device_pos % W) * D;
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) dst[i] = kv[i];
}

__global__ void compressor_pool_kernel(const float* ext_a, const float* ext_z, int64_t ext_pos0, const float* prev_a,
                                       const float* prev_z, bool has_prev, int64_t m, int64_t c, int64_t first_block,
                                       float* rows) {
    const int64_t k = first_block + blockIdx.x;
    const bool overlap = m == 4;
    const int64_t w = overlap ? 2 * c : c, own = overlap ? c : 0;
    const int64_t own_row0 = k * m - ext_pos0;
    // The previous block's first halves: from ext when it lies there, else from the saved state.
    const bool use_prev = overlap && k > 0;
    const bool prev_in_ext = (k - 1) * m >= ext_pos0;
    const bool prev_ok = use_prev && (prev_in_ext || has_prev);
    for (int64_t ch = threadIdx.x; ch < c; ch += blockDim.x) {
        float mx = -INFINITY;
        for (int64_t t = 0; t < m; ++t) mx = fmaxf(mx, ext_z[(own_row0 + t) * w + own + ch]);
        if (prev_ok)
            for (int64_t t = 0; t < m; ++t)
                mx = fmaxf(mx, prev_in_ext ? ext_z[(own_row0 - m + t) * w + ch] : prev_z[t * c + ch]);
        float sum = 0.0f, acc = 0.0f;
        for (int64_t t = 0; t < m; ++t) {
            const float e = expf(ext_z[(own_row0 + t) * w + own + ch] - mx);
            sum += e;
            acc += e * ext_a[(own_row0 + t) * w + own + ch];
        }
        if (prev_ok)
            for (int64_t t = 0; t < m; ++t) {
                const float zv = prev_in_ext ? ext_z[(own_row0 - m + t) * w + ch] : prev_z[t * c + ch];
                const float av = prev_in_ext ? ext_a[(own_row0 - m + t) * w + ch] : prev_a[t * c + ch];
                const float e = expf(zv - mx);
                sum += e;
                acc += e * av;
            }
        rows[blockIdx.x * c + ch] = acc / sum;
    }
}

__global__ void add_ape_kernel(float* z, const float* ape, int64_t rows, int64_t w, int64_t m, int64_t pos0) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx >= rows * w) return;
    const int64_t t = idx / w, i = idx % w;
    z[idx] += ape[((pos0 + t) % m) * w + i];
}

__global__ void indexer_scores_kernel(const float* q, const float* w, const float* keys, int64_t pos0, const int64_t* device_pos,
                                      int64_t heads, int64_t dim, int64_t n_rows, float* scores) {
    if (device_pos) pos0 = *device_pos;
    const int64_t t = blockIdx.x;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
    const int64_t k = static_cast<int64_t>(blockIdx.y) * warps + warp;
    if (k >= n_rows) return;
    const int64_t visible = (pos0 + t + 1) / 4;
    if (k >= visible) {
        if (lane == 0) scores[t * n_rows + k] = -INFINITY;
        return;
    }
    const float* key = keys + k * dim;
    float total = 0.0f;
    for (int64_t hh = 0; hh < heads; ++hh) {
        const float* qh = q + (t * heads + hh) * dim;
        float acc = 0.0f;
        for (int64_t i = lane; i < dim; i += 32) acc += qh[i] * key[i];
        acc = warp_sum(acc);
        total += w[t * heads + hh] * fmaxf(acc, 0.0f);
    }
    if (lane == 0) scores[t * n_rows + k] = total;
}

__global__ void take_topk_kernel(const float* sorted_scores, const int32_t* sorted_idx, int64_t T, int64_t n, int64_t k, int32_t* out) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx >= T * k) return;
    const int64_t t = idx / k, j = idx % k;
    out[idx] = (j < n && sorted_scores[t * n + j] != -INFINITY) ? sorted_idx[t * n + j] : -1;
}

__global__ void iota_rows_kernel(int32_t* idx, int64_t T, int64_t n) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < T * n) idx[i] = static_cast<int32_t>(i % n);
}

__global__ void segment_offsets_kernel(int32_t* offsets, int64_t T, int64_t n) {
    const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (t <= T) offsets[t] = static_cast<int32_t>(t * n);
}

constexpr int kRouteWarps = 4;

// One warp per token: the lanes score every expert (lane-strided) into shared memory, then k rounds of a warp
// argmax over the experts not yet taken (ties to the lower index, as the CPU twin's scan); weights from the chosen
// experts' scores summed in choice order.
__global__ void moe_route_kernel(const float* u, const float* bias, const int64_t* tid2eid, const int64_t* tokens,
                                 int64_t T, int64_t E, int64_t k, float scaling, int32_t* experts, float* weights) {
    extern __shared__ float route_smem[];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int64_t t = static_cast<int64_t>(blockIdx.x) * kRouteWarps + warp;
    if (t >= T) return;
    float* score = route_smem + static_cast<int64_t>(warp) * 2 * E;
    float* biased = score + E;
    for (int64_t e = lane; e < E; e += 32) {
        const float v = u[t * E + e];
        score[e] = sqrtf(v > 20.0f ? v : log1pf(expf(v)));
        if (!tid2eid) biased[e] = bias ? score[e] + bias[e] : score[e];  // hash-routed layers have no bias
    }
    __syncwarp();
    int32_t* chosen = experts + t * k;
    for (int64_t j = 0; j < k; ++j) {
        if (tid2eid) {
            if (lane == 0) chosen[j] = static_cast<int32_t>(tid2eid[tokens[t] * k + j]);
            continue;
        }
        int64_t best = -1;
        float best_v = -INFINITY;
        for (int64_t e = lane; e < E; e += 32) {
            bool taken = false;
            for (int64_t i = 0; i < j; ++i) taken |= chosen[i] == e;
            if (!taken && (best < 0 || biased[e] > best_v)) {
                best = e;
                best_v = biased[e];
            }
        }
        for (int d = 16; d > 0; d >>= 1) {
            const float ov = __shfl_xor_sync(0xffffffffu, best_v, d);
            const int64_t oi = __shfl_xor_sync(0xffffffffu, best, d);
            const bool other_better = oi >= 0 && (best < 0 || ov > best_v || (ov == best_v && oi < best));
            if (other_better) {
                best = oi;
                best_v = ov;
            }
        }
        if (lane == 0) chosen[j] = static_cast<int32_t>(best);
        __syncwarp();
    }
    __syncwarp();
    if (lane == 0) {
        float sum = 0.0f;
        for (int64_t j = 0; j < k; ++j) sum += score[chosen[j]];
        for (int64_t j = 0; j < k; ++j) weights[t * k + j] = score[chosen[j]] / sum * scaling;
    }
}

__global__ void swiglu_kernel(float* g, const float* v, const float* weight, int64_t n, int64_t inter, float limit) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx >= n * inter) return;
    const float vi = fminf(fmaxf(v[idx], -limit), limit);
    const float gi = fminf(g[idx], limit);
    g[idx] = gi / (1.0f + expf(-gi)) * vi * weight[idx / inter];
}

__global__ void gather_kernel(const float* x, const int32_t* rows, int64_t n, int64_t width, float* out) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx < n * width) out[idx] = x[static_cast<int64_t>(rows[idx / width]) * width + idx % width];
}

__global__ void scatter_add_kernel(const float* in, const int32_t* rows, int64_t n, int64_t width, float* y) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx < n * width) y[static_cast<int64_t>(rows[idx / width]) * width + idx % width] += in[idx];
}

__global__ void embed_kernel(const uint16_t* table, const int64_t* tokens, int64_t T, int64_t hc, int64_t d, float* h) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx >= T * hc * d) return;
    const int64_t t = idx / (hc * d), e = idx % d;
    h[idx] = __uint_as_float(static_cast<uint32_t>(table[tokens[t] * d + e]) << 16);
}

unsigned blocks_for(int64_t n, int threads = 256) { return static_cast<unsigned>((n + threads - 1) / threads); }

}  // namespace

void hc_pre_finish(const float* h, const float* mixes, const float* base, const float* scale, int64_t T, int64_t hc,
                   int64_t d, int64_t iters, float hc_eps, float norm_eps, float* mix_out, float* x, cudaStream_t s) {
    if (hc > kMaxHc) throw Error("hc_mult above " + std::to_string(kMaxHc) + " is not supported on the GPU");
    hc_pre_kernel<<<static_cast<unsigned>(T), T <= 64 ? 1024 : 256, 0, s>>>(h, mixes, base, scale, hc, d, iters, hc_eps, norm_eps, mix_out, x);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void hc_post(const float* mix, const float* y, const float* h, int64_t T, int64_t hc, int64_t d, float* h_out, cudaStream_t s) {
    hc_post_kernel<<<blocks_for(T * hc * d), 256, 0, s>>>(mix, y, h, T, hc, d, h_out);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void hc_head_finish(const float* h, const float* mixes, const float* base, const float* scale, int64_t T, int64_t hc,
                    int64_t d, float hc_eps, float norm_eps, float* x, cudaStream_t s) {
    if (hc > kMaxHc) throw Error("hc_mult above " + std::to_string(kMaxHc) + " is not supported on the GPU");
    hc_head_kernel<<<static_cast<unsigned>(T), T <= 64 ? 1024 : 256, 0, s>>>(h, mixes, base, scale, hc, d, hc_eps, norm_eps, x);
    FATHOM_CUDA_CHECK_LAUNCH();
}

namespace {

void launch_sink_attention(const AttnArgs& a, int64_t T, int64_t max_comp, cudaStream_t s) {
    const int64_t H = a.H, D = a.D, W = a.W;
    if (D > 32 * kMaxHeadDimPerLane) throw Error("GPU attention: head_dim " + std::to_string(D) + " above " + std::to_string(32 * kMaxHeadDimPerLane));
    const size_t smem = static_cast<size_t>(D + kAttnWarps * D + W + max_comp) * sizeof(float);
    if (smem > 200 * 1024) throw Error("GPU attention: " + std::to_string(max_comp) + " compressed rows exceed the shared-memory plan");
    if (smem > 48 * 1024) FATHOM_CUDA_CHECK(cudaFuncSetAttribute(sink_attention_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
    sink_attention_kernel<<<dim3(static_cast<unsigned>(T), static_cast<unsigned>(H)), kAttnThreads, smem, s>>>(a);
    FATHOM_CUDA_CHECK_LAUNCH();
}

}  // namespace

void sink_attention(const float* q, const float* chunk_kv, const float* ring, const float* compressed,
                    const int32_t* select, int64_t topk, int64_t ratio, const float* sinks, int64_t T, int64_t pos0,
                    int64_t H, int64_t D, int64_t W, float scale, float* out, cudaStream_t s) {
    const int64_t max_comp = select ? topk : (ratio > 0 ? (pos0 + T) / ratio : 0);
    launch_sink_attention({q, chunk_kv, ring, compressed, sinks, select, topk, ratio, pos0, H, D, W, scale, out, nullptr}, T, max_comp, s);
}

void sink_attention_one_token(const float* q, const float* kv, const float* ring, const float* compressed, const int32_t* select,
                              int64_t topk, int64_t ratio, const float* sinks, const int64_t* device_pos, int64_t max_compressed_rows,
                              int64_t H, int64_t D, int64_t W, float scale, float* out, cudaStream_t s) {
    const int64_t max_comp = select ? topk : (ratio > 0 ? max_compressed_rows : 0);
    launch_sink_attention({q, kv, ring, compressed, sinks, select, topk, ratio, 0, H, D, W, scale, out, device_pos}, 1, max_comp, s);
}

void write_window_row(float* ring, const float* kv, const int64_t* device_pos, int64_t W, int64_t D, cudaStream_t s) {
    write_window_row_kernel<<<1, 256, 0, s>>>(ring, kv, device_pos, W, D);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void compressor_pool(const float* ext_a, const float* ext_z, int64_t ext_pos0, const float* prev_a, const float* prev_z,
                     bool has_prev, int64_t ratio, int64_t c, int64_t first_block, int64_t n_blocks, float* rows, cudaStream_t s) {
    if (n_blocks <= 0) return;
    compressor_pool_kernel<<<static_cast<unsigned>(n_blocks), 256, 0, s>>>(ext_a, ext_z, ext_pos0, prev_a, prev_z, has_prev, ratio, c, first_block, rows);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void add_ape(float* z, const float* ape, int64_t rows, int64_t width, int64_t ratio, int64_t pos0, cudaStream_t s) {
    if (rows <= 0) return;
    add_ape_kernel<<<blocks_for(rows * width), 256, 0, s>>>(z, ape, rows, width, ratio, pos0);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void indexer_scores(const float* q, const float* w, const float* keys, int64_t T, int64_t pos0, int64_t heads,
                    int64_t dim, int64_t n_rows, float* scores, cudaStream_t s) {
    if (n_rows <= 0) return;
    indexer_scores_kernel<<<dim3(static_cast<unsigned>(T), static_cast<unsigned>((n_rows + 7) / 8)), 256, 0, s>>>(q, w, keys, pos0, nullptr, heads, dim, n_rows, scores);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void indexer_scores_one_token(const float* q, const float* w, const float* keys, const int64_t* device_pos, int64_t heads,
                              int64_t dim, int64_t n_rows, float* scores, cudaStream_t s) {
    if (n_rows <= 0) return;
    indexer_scores_kernel<<<dim3(1, static_cast<unsigned>((n_rows + 7) / 8)), 256, 0, s>>>(q, w, keys, 0, device_pos, heads, dim, n_rows, scores);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void topk_rows(const float* scores, int64_t T, int64_t n, int64_t k, int64_t pos0, int64_t ratio, int32_t* out, cudaStream_t s) {
    if (n == 0) {
        FATHOM_CUDA_CHECK(cudaMemsetAsync(out, 0xff, static_cast<size_t>(T * k) * sizeof(int32_t), s));
        return;
    }
    const int64_t total = T * n;
    DeviceBuffer idx(static_cast<size_t>(total) * 4), sorted_keys(static_cast<size_t>(total) * 4), sorted_idx(static_cast<size_t>(total) * 4);
    // Written on the device: no host copy or synchronisation, so a recorded decode step can hold this.
    DeviceBuffer doff(static_cast<size_t>(T + 1) * 4);
    segment_offsets_kernel<<<blocks_for(T + 1), 256, 0, s>>>(doff.as<int32_t>(), T, n);
    FATHOM_CUDA_CHECK_LAUNCH();
    iota_rows_kernel<<<blocks_for(total), 256, 0, s>>>(idx.as<int32_t>(), T, n);
    FATHOM_CUDA_CHECK_LAUNCH();
    size_t temp_bytes = 0;
    FATHOM_CUDA_CHECK(cub::DeviceSegmentedSort::StableSortPairsDescending(nullptr, temp_bytes, scores, sorted_keys.as<float>(), idx.as<int32_t>(),
                                                                         sorted_idx.as<int32_t>(), static_cast<int>(total), static_cast<int>(T),
                                                                         doff.as<int32_t>(), doff.as<int32_t>() + 1, s));
    DeviceBuffer temp(temp_bytes);
    FATHOM_CUDA_CHECK(cub::DeviceSegmentedSort::StableSortPairsDescending(temp.as<void>(), temp_bytes, scores, sorted_keys.as<float>(), idx.as<int32_t>(),
                                                                         sorted_idx.as<int32_t>(), static_cast<int>(total), static_cast<int>(T),
                                                                         doff.as<int32_t>(), doff.as<int32_t>() + 1, s));
    take_topk_kernel<<<blocks_for(T * k), 256, 0, s>>>(sorted_keys.as<float>(), sorted_idx.as<int32_t>(), T, n, k, out);
    FATHOM_CUDA_CHECK_LAUNCH();
    // The temporaries are freed in stream order (on the legacy stream, which waits for `s`; or, recorded, they
    // belong to the step's scratch arena): no synchronisation here.
}

void moe_route(const float* u, const float* bias, const int64_t* tid2eid, const int64_t* tokens, int64_t T, int64_t E,
               int64_t k, float routed_scaling, int32_t* experts, float* weights, cudaStream_t s) {
    const size_t smem = static_cast<size_t>(kRouteWarps) * 2 * static_cast<size_t>(E) * sizeof(float);
    if (smem > 48 * 1024) throw Error("GPU router: " + std::to_string(E) + " experts exceed the shared-memory plan");
    moe_route_kernel<<<blocks_for(T, kRouteWarps), kRouteWarps * 32, smem, s>>>(u, bias, tid2eid, tokens, T, E, k, routed_scaling, experts, weights);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void swiglu(float* g, const float* v, const float* weight, int64_t n, int64_t inter, float limit, cudaStream_t s) {
    if (n <= 0) return;
    swiglu_kernel<<<blocks_for(n * inter), 256, 0, s>>>(g, v, weight, n, inter, limit);
    FATHOM_CUDA_CHECK_LAUNCH();
    fp8_round_rows(g, n, inter, inter, 128, s);
}

void gather_rows(const float* x, const int32_t* rows, int64_t n, int64_t width, float* out, cudaStream_t s) {
    if (n <= 0) return;
    gather_kernel<<<blocks_for(n * width), 256, 0, s>>>(x, rows, n, width, out);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void scatter_add_rows(const float* in, const int32_t* rows, int64_t n, int64_t width, float* y, cudaStream_t s) {
    if (n <= 0) return;
    scatter_add_kernel<<<blocks_for(n * width), 256, 0, s>>>(in, rows, n, width, y);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void embed(const uint16_t* table, const int64_t* tokens, int64_t T, int64_t hc, int64_t d, float* h, cudaStream_t s) {
    embed_kernel<<<blocks_for(T * hc * d), 256, 0, s>>>(table, tokens, T, hc, d, h);
    FATHOM_CUDA_CHECK_LAUNCH();
}

}  // namespace fathom::cuda
