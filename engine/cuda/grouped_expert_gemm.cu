#include "cuda/grouped_expert_gemm.cuh"

#include "cuda/cuda_error.hpp"
#include "cuda/device_buffer.hpp"
#include "cuda/weight_decode.cuh"

#include <mma.h>

#include <string>
#include <vector>

namespace fathom::cuda {

namespace {

using namespace nvcuda;

constexpr int BM = 64, BN = 64, BK = 32, kWarps = 4, kPad = 8;
constexpr int kMaxProducts = 256;

struct GroupedArgs {
    const __nv_bfloat16* x;
    float* y;
    int64_t n, k;
    int count;
};

struct ProductTile {
    const uint8_t* data;
    const uint8_t* scale;
    int64_t row0, scale_cols, row_begin, rows;
    int64_t tile_begin;  // first block of this product
};

// Block b: the product whose tile range holds b, then its (m, n) tile. A tile is 64 tokens by 64 outputs; each of
// the four warps owns a 32 x 32 corner (2 x 2 WMMA fragments).
__global__ void __launch_bounds__(kWarps * 32) grouped_fp4_kernel(const ProductTile* __restrict__ products, GroupedArgs a) {
    __shared__ __align__(32) __nv_bfloat16 xs[BM][BK + kPad];
    __shared__ __align__(32) __nv_bfloat16 ws[BN][BK + kPad];
    __shared__ __align__(32) float out[BM][BN + 4];
    int lo = 0, hi = a.count - 1;
    while (lo < hi) {  // the last product whose tile_begin <= blockIdx.x
        const int mid = (lo + hi + 1) / 2;
        if (products[mid].tile_begin <= static_cast<int64_t>(blockIdx.x)) lo = mid;
        else hi = mid - 1;
    }
    const ProductTile p = products[lo];
    const int64_t n_tiles = (a.n + BN - 1) / BN;
    const int64_t local = static_cast<int64_t>(blockIdx.x) - p.tile_begin;
    const int64_t m0 = (local / n_tiles) * BM, n0 = (local % n_tiles) * BN;
    const int warp = threadIdx.x / 32;
    const int wm = (warp / 2) * 32, wn = (warp % 2) * 32;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
    const int64_t half_k = a.k / 2;
    for (int64_t k0 = 0; k0 < a.k; k0 += BK) {
        // x: 64 rows of 32 bf16 (64 bytes) = 4 chunks of 16 bytes per row; 256 chunks over 128 threads.
        for (int c = threadIdx.x; c < BM * 4; c += blockDim.x) {
            const int r = c / 4, q = c % 4;
            uint4 v = make_uint4(0, 0, 0, 0);
            if (m0 + r < p.rows) v = *reinterpret_cast<const uint4*>(a.x + (p.row_begin + m0 + r) * a.k + k0 + q * 8);
            *reinterpret_cast<uint4*>(&xs[r][q * 8]) = v;
        }
        // w: 64 rows of 32 FP4 values (16 bytes, one scale); each thread decodes 16 values of half a row.
        {
            const int r = threadIdx.x / 2, part = threadIdx.x % 2;
            const int64_t row = n0 + r;
            __align__(16) __nv_bfloat16 vals[16];
            if (row < a.n) {
                const int64_t stored = p.row0 + row;
                const uint2 bytes = *reinterpret_cast<const uint2*>(p.data + stored * half_k + k0 / 2 + part * 8);
                const float scale = e8m0(p.scale[stored * p.scale_cols + k0 / 32]);
                const uint32_t words[2] = {bytes.x, bytes.y};
#pragma unroll
                for (int wd = 0; wd < 2; ++wd)
#pragma unroll
                    for (int b = 0; b < 4; ++b) {
                        const uint32_t byte = (words[wd] >> (8 * b)) & 0xffu;
                        vals[wd * 8 + 2 * b] = __float2bfloat16(fp4_e2m1(byte & 0xfu) * scale);
                        vals[wd * 8 + 2 * b + 1] = __float2bfloat16(fp4_e2m1(byte >> 4) * scale);
                    }
            } else {
#pragma unroll
                for (int i = 0; i < 16; ++i) vals[i] = __float2bfloat16(0.0f);
            }
            *reinterpret_cast<uint4*>(&ws[r][part * 16]) = *reinterpret_cast<const uint4*>(vals);
            *reinterpret_cast<uint4*>(&ws[r][part * 16 + 8]) = *reinterpret_cast<const uint4*>(vals + 8);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> fb[2];
#pragma unroll
            for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(fa[i], &xs[wm + 16 * i][kk], BK + kPad);
#pragma unroll
            for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], &ws[wn + 16 * j][kk], BK + kPad);
#pragma unroll
            for (int i = 0; i < 2; ++i)
#pragma unroll
                for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::store_matrix_sync(&out[wm + 16 * i][wn + 16 * j], acc[i][j], BN + 4, wmma::mem_row_major);
    __syncthreads();
    for (int e = threadIdx.x; e < BM * BN; e += blockDim.x) {
        const int r = e / BN, c = e % BN;
        if (m0 + r < p.rows && n0 + c < a.n) a.y[(p.row_begin + m0 + r) * a.n + n0 + c] = out[r][c];
    }
}

__global__ void gather_bf16_kernel(const float* x, const int32_t* rows, int64_t n, int64_t width, __nv_bfloat16* out) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx < n * width) out[idx] = __float2bfloat16(x[static_cast<int64_t>(rows[idx / width]) * width + idx % width]);
}

__global__ void to_bf16_kernel(const float* x, int64_t n, __nv_bfloat16* out) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx < n) out[idx] = __float2bfloat16(x[idx]);
}

__global__ void add_gathered_kernel(const float* in, const int32_t* offsets, const int32_t* positions, int64_t T, int64_t width, float* y) {
    const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx >= T * width) return;
    const int64_t t = idx / width, c = idx % width;
    float v = y[idx];
    for (int32_t p = offsets[t]; p < offsets[t + 1]; ++p) v += in[static_cast<int64_t>(positions[p]) * width + c];
    y[idx] = v;
}

unsigned blocks_for(int64_t n) { return static_cast<unsigned>((n + 255) / 256); }

}  // namespace

void grouped_fp4_gemm(std::span<const ExpertProduct> products, const __nv_bfloat16* x, float* y, cudaStream_t s) {
    if (products.empty()) return;
    const int64_t n = products.front().w.out, k = products.front().w.in;
    if (k % BK != 0) throw Error("grouped FP4 GEMM: k = " + std::to_string(k) + " is not a multiple of 32");
    const int64_t n_tiles = (n + BN - 1) / BN;
    for (size_t first = 0; first < products.size(); first += kMaxProducts) {
        const size_t count = std::min<size_t>(kMaxProducts, products.size() - first);
        std::vector<ProductTile> tiles;
        int64_t blocks = 0;
        for (size_t i = first; i < first + count; ++i) {
            const ExpertProduct& e = products[i];
            if (e.w.format != cpu::WeightFormat::Fp4Group32 || e.w.out != n || e.w.in != k)
                throw Error("grouped FP4 GEMM: every product must be an FP4 matrix of one shape");
            tiles.push_back({e.w.data, e.w.scale, e.w.row0, e.w.scale_cols, e.row_begin, e.rows, blocks});
            blocks += (e.rows + BM - 1) / BM * n_tiles;
        }
        if (blocks == 0) continue;
        DeviceBuffer table(tiles.size() * sizeof(ProductTile));
        FATHOM_CUDA_CHECK(cudaMemcpyAsync(table.as<void>(), tiles.data(), table.bytes(), cudaMemcpyHostToDevice, s));
        GroupedArgs a{x, y, n, k, static_cast<int>(count)};
        grouped_fp4_kernel<<<static_cast<unsigned>(blocks), kWarps * 32, 0, s>>>(table.as<ProductTile>(), a);
        FATHOM_CUDA_CHECK_LAUNCH();
    }  // the table's free is stream-ordered: it waits for the launch that reads it
}

void gather_rows_bf16(const float* x, const int32_t* rows, int64_t n, int64_t width, __nv_bfloat16* out, cudaStream_t s) {
    if (n <= 0) return;
    gather_bf16_kernel<<<blocks_for(n * width), 256, 0, s>>>(x, rows, n, width, out);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void to_bf16(const float* x, int64_t n, __nv_bfloat16* out, cudaStream_t s) {
    if (n <= 0) return;
    to_bf16_kernel<<<blocks_for(n), 256, 0, s>>>(x, n, out);
    FATHOM_CUDA_CHECK_LAUNCH();
}

void add_gathered_rows(const float* in, const int32_t* offsets, const int32_t* positions, int64_t T, int64_t width, float* y, cudaStream_t s) {
    if (T <= 0) return;
    add_gathered_kernel<<<blocks_for(T * width), 256, 0, s>>>(in, offsets, positions, T, width, y);
    FATHOM_CUDA_CHECK_LAUNCH();
}

}  // namespace fathom::cuda
