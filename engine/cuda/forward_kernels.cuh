// The remaining GPU kernels of the V4 forward pass: hyper-connection mixing (Sinkhorn), sink attention over
// gathered rows, compressor pooling, indexer scores, MoE routing and SwiGLU, embedding and head combination.
#pragma once

#include <cstdint>
#include <cuda_runtime.h>

namespace fathom::cuda {

// h [T, hc*d]; mixes [T, (2+hc)*hc] = fn . h (raw dot products). Finishes hc_pre: scales by rsqrt(mean(h^2)+eps),
// builds pre/post/comb (Sinkhorn) into mix_out [T, 2*hc + hc*hc], writes x [T, d] = sum_i pre_i h_i.
void hc_pre_finish(const float* h, const float* mixes, const float* base, const float* scale, int64_t T, int64_t hc,
                   int64_t d, int64_t iters, float hc_eps, float norm_eps, float* mix_out, float* x, cudaStream_t s);
// h_out[k] = post_k * y + sum_j comb[j][k] h[j].
void hc_post(const float* mix, const float* y, const float* h, int64_t T, int64_t hc, int64_t d, float* h_out, cudaStream_t s);
// The head's collapse: x = sum_i (sigmoid(m_i * s + b_i) + eps) h_i with m the scaled raw mixes [T, hc].
void hc_head_finish(const float* h, const float* mixes, const float* base, const float* scale, int64_t T, int64_t hc,
                    int64_t d, float hc_eps, float norm_eps, float* x, cudaStream_t s);

// Attention of each (token, head): rows are the window (positions p-W+1..p, found in `chunk_kv` for positions
// >= pos0, else in `ring` at p % W) plus compressed rows: all visible ones (select == nullptr) or the indices in
// select [T, topk] (-1 = none). q [T, H, D], out [T, H, D].
void sink_attention(const float* q, const float* chunk_kv, const float* ring, const float* compressed,
                    const int32_t* select, int64_t topk, int64_t ratio, const float* sinks, int64_t T, int64_t pos0,
                    int64_t H, int64_t D, int64_t W, float scale, float* out, cudaStream_t s);

// One token at the position read from device_pos (a recorded decode step replays at any position): kv [1, D] is
// the token's row; HCA's compressed rows are bounded by max_compressed_rows (the buffer's capacity) for the plan.
void sink_attention_one_token(const float* q, const float* kv, const float* ring, const float* compressed, const int32_t* select,
                              int64_t topk, int64_t ratio, const float* sinks, const int64_t* device_pos, int64_t max_compressed_rows,
                              int64_t H, int64_t D, int64_t W, float scale, float* out, cudaStream_t s);
// ring[(*device_pos % W)] = kv [D]: the token's row into the window ring.
void write_window_row(float* ring, const float* kv, const int64_t* device_pos, int64_t W, int64_t D, cudaStream_t s);

// Compressor pooling of the blocks completed in a chunk. ext [rows, w]: projections (z with ape added) of the
// tokens from position ext_pos0 on (the partial block before the chunk, then the chunk); prev [m, c]: first
// halves of the block before ext_pos0's block (ratio 4), valid when has_prev. Writes rows [n_blocks, c] for
// blocks first_block .. first_block + n_blocks - 1.
void compressor_pool(const float* ext_a, const float* ext_z, int64_t ext_pos0, const float* prev_a,
                     const float* prev_z, bool has_prev, int64_t ratio, int64_t c, int64_t first_block,
                     int64_t n_blocks, float* rows, cudaStream_t s);
// ext_z[t] += ape[(ext_pos0 + t) % m] for the chunk rows t >= from.
void add_ape(float* z, const float* ape, int64_t rows, int64_t width, int64_t ratio, int64_t pos0, cudaStream_t s);

// Indexer scores [T, n_rows]: sum_h w_h * relu(q_h . key_k) for visible rows (k < (pos+1)/4), -inf otherwise.
void indexer_scores(const float* q, const float* w, const float* keys, int64_t T, int64_t pos0, int64_t heads,
                    int64_t dim, int64_t n_rows, float* scores, cudaStream_t s);
// The same for one token at the position read from device_pos, over n_rows (a capacity: rows not yet visible get -inf).
void indexer_scores_one_token(const float* q, const float* w, const float* keys, const int64_t* device_pos, int64_t heads,
                              int64_t dim, int64_t n_rows, float* scores, cudaStream_t s);
// Top-k per row of scores (best first, ties to the lower index), -1 where fewer are visible.
void topk_rows(const float* scores, int64_t T, int64_t n, int64_t k, int64_t pos0, int64_t ratio, int32_t* out, cudaStream_t s);

// MoE router: u [T, E] gate logits -> chosen experts [T, k] and weights [T, k].
void moe_route(const float* u, const float* bias, const int64_t* tid2eid, const int64_t* tokens, int64_t T,
               int64_t E, int64_t k, float routed_scaling, int32_t* experts, float* weights, cudaStream_t s);
// g [n, inter] <- fp8_round(silu(min(g, L)) * clamp(v, +-L) * weight[row]).
void swiglu(float* g, const float* v, const float* weight, int64_t n, int64_t inter, float limit, cudaStream_t s);
void gather_rows(const float* x, const int32_t* rows, int64_t n, int64_t width, float* out, cudaStream_t s);
void scatter_add_rows(const float* in, const int32_t* rows, int64_t n, int64_t width, float* y, cudaStream_t s);

// h [T, hc, d] = bf16 embedding rows of tokens, repeated hc times.
void embed(const uint16_t* table, const int64_t* tokens, int64_t T, int64_t hc, int64_t d, float* h, cudaStream_t s);

}  // namespace fathom::cuda
