#include "cuda/lt_matmul.cuh"

#include "cuda/cuda_error.hpp"
#include "cuda/device_buffer.hpp"

#include <cublasLt.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

namespace fathom::cuda {

namespace {

constexpr size_t kWorkspaceBytes = size_t{32} << 20;

void check_lt(cublasStatus_t status, const char* what, const LtProduct& p) {
    if (status == CUBLAS_STATUS_SUCCESS) return;
    throw Error(std::string("cuBLASLt ") + what + " failed (status " + std::to_string(static_cast<int>(status)) + ") for " +
                (p.inputs == LtInputs::Fp8BlockScaled ? "FP8 block-scaled" : p.inputs == LtInputs::Bf16 ? "bf16" : "fp32") + " product n=" + std::to_string(p.n) +
                " k=" + std::to_string(p.k) + " m=" + std::to_string(p.m));
}

// Descriptors and the chosen algorithm of one shape; the scale pointers are set on each call.
struct Plan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
    cublasLtMatmulAlgo_t algo{};
    ~Plan() {
        if (d) cublasLtMatrixLayoutDestroy(d);
        if (b) cublasLtMatrixLayoutDestroy(b);
        if (a) cublasLtMatrixLayoutDestroy(a);
        if (desc) cublasLtMatmulDescDestroy(desc);
    }
};

struct Context {
    std::mutex mutex;
    cublasLtHandle_t handle = nullptr;
    std::map<std::tuple<int, int64_t, int64_t, int64_t>, std::unique_ptr<Plan>> plans;
    std::map<cudaStream_t, DeviceBuffer> workspaces;

    Context() {
        const cublasStatus_t status = cublasLtCreate(&handle);
        if (status != CUBLAS_STATUS_SUCCESS) throw Error("cuBLASLt: cannot create a handle (status " + std::to_string(static_cast<int>(status)) + ")");
    }

    Plan& plan(const LtProduct& p) {
        auto key = std::make_tuple(static_cast<int>(p.inputs), p.n, p.k, p.m);
        auto& slot = plans[key];
        if (slot) return *slot;
        auto plan = std::make_unique<Plan>();
        const bool fp8 = p.inputs == LtInputs::Fp8BlockScaled;
        const cudaDataType_t ab = fp8 ? CUDA_R_8F_E4M3 : p.inputs == LtInputs::Bf16 ? CUDA_R_16BF : CUDA_R_32F;
        check_lt(cublasLtMatmulDescCreate(&plan->desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "descriptor", p);
        // Column-major view: A is k x n (transposed in the product), B is k x m, D is n x m.
        const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
        check_lt(cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta), "transa", p);
        check_lt(cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb), "transb", p);
        if (fp8) {
            const int32_t mode_a = CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F, mode_b = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
            check_lt(cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &mode_a, sizeof mode_a), "A scale mode", p);
            check_lt(cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &mode_b, sizeof mode_b), "B scale mode", p);
        }
        check_lt(cublasLtMatrixLayoutCreate(&plan->a, ab, static_cast<uint64_t>(p.k), static_cast<uint64_t>(p.n), p.k), "A layout", p);
        check_lt(cublasLtMatrixLayoutCreate(&plan->b, ab, static_cast<uint64_t>(p.k), static_cast<uint64_t>(p.m), p.k), "B layout", p);
        check_lt(cublasLtMatrixLayoutCreate(&plan->d, CUDA_R_32F, static_cast<uint64_t>(p.n), static_cast<uint64_t>(p.m), p.n), "D layout", p);
        if (fp8) {
            // The heuristic wants the scale pointers' presence; real ones are set per call.
            const float* dummy = p.a_scale;
            check_lt(cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &dummy, sizeof dummy), "A scale", p);
            dummy = p.b_scale;
            check_lt(cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &dummy, sizeof dummy), "B scale", p);
        }
        cublasLtMatmulPreference_t pref = nullptr;
        check_lt(cublasLtMatmulPreferenceCreate(&pref), "preference", p);
        const uint64_t ws = kWorkspaceBytes;
        cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
        cublasLtMatmulHeuristicResult_t result{};
        int found = 0;
        const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(handle, plan->desc, plan->a, plan->b, plan->d, plan->d, pref, 1, &result, &found);
        cublasLtMatmulPreferenceDestroy(pref);
        check_lt(status, "heuristic", p);
        if (found == 0) check_lt(CUBLAS_STATUS_NOT_SUPPORTED, "heuristic (no algorithm)", p);
        plan->algo = result.algo;
        slot = std::move(plan);
        return *slot;
    }

    void* workspace(cudaStream_t s) {
        auto& w = workspaces[s];
        if (w.bytes() == 0) {
            // Kept for the stream's life: it must not come from a recorded step's scratch memory.
            if (ScratchArena::active()) throw Error("internal: cuBLASLt's first use on a stream inside a recorded step");
            w = DeviceBuffer(kWorkspaceBytes);
        }
        return w.as<void>();
    }
};

Context& context() {
    static Context c;
    return c;
}

}  // namespace

void lt_matmul(const LtProduct& p, cudaStream_t stream) {
    if (p.m <= 0 || p.n <= 0) return;
    auto& c = context();
    std::lock_guard lock(c.mutex);
    Plan& plan = c.plan(p);
    if (p.inputs == LtInputs::Fp8BlockScaled) {
        check_lt(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &p.a_scale, sizeof p.a_scale), "A scale", p);
        check_lt(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &p.b_scale, sizeof p.b_scale), "B scale", p);
    }
    const float alpha = 1.0f, beta = 0.0f;
    check_lt(cublasLtMatmul(c.handle, plan.desc, &alpha, p.a, plan.a, p.b, plan.b, &beta, p.d, plan.d, p.d, plan.d, &plan.algo,
                            c.workspace(stream), kWorkspaceBytes, stream),
             "matmul", p);
}

}  // namespace fathom::cuda
