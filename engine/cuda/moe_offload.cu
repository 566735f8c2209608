#include "cuda/moe_offload.cuh"

#include "cpu/expert_batch.hpp"
#include "cuda/cuda_log.hpp"
#include "cuda/forward_kernels.cuh"
#include "cuda/grouped_expert_gemm.cuh"
#include "cuda/grouped_gemv.cuh"
#include "cuda/linear.cuh"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fathom::cuda {

namespace {

__global__ void add_kernel(float* y, const float* x, int64_t n) {
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i < n) y[i] += x[i];
}

enum class Where { Gpu, Stream, Cpu };

// One resident routed expert of a prefill chunk: its matrices, the token rows it serves and their router weights.
struct ResidentBatch {
    std::array<DeviceWeightView, 3> w;  // w1, w2, w3
    const std::vector<int32_t>* rows;
    const std::vector<float>* weights;
};

bool groupable(std::span<const ResidentBatch> batches) {
    // FATHOM_GROUPED_EXPERTS=0: one expert at a time, for comparison.
    static const bool enabled = [] {
        const char* v = std::getenv("FATHOM_GROUPED_EXPERTS");
        return !(v && std::string(v) == "0");
    }();
    if (!enabled) return false;
    for (const auto& b : batches)
        for (const auto& m : b.w)
            if (m.format != cpu::WeightFormat::Fp4Group32 || m.in % 32 != 0) return false;
    return !batches.empty();
}

// The resident experts of a prefill chunk together, in six launches whatever their number: every expert's rows
// gathered (bf16), w1 and w3 of all as grouped tensor-core products, SwiGLU, w2 of all, then each token's expert
// outputs added in expert order (deterministic).
void gpu_experts_grouped(std::span<const ResidentBatch> batches, const float* xq, int64_t T, int64_t d, float limit, float* out,
                         PinnedUploader& uploads, cudaStream_t s) {
    const int64_t inter = batches.front().w[0].out;
    std::vector<int32_t> rows;
    std::vector<float> weights;
    std::vector<ExpertProduct> up, gate, down;
    std::vector<int32_t> per_token(static_cast<size_t>(T + 1), 0);
    for (const auto& b : batches) {
        const auto begin = static_cast<int64_t>(rows.size()), n = static_cast<int64_t>(b.rows->size());
        rows.insert(rows.end(), b.rows->begin(), b.rows->end());
        weights.insert(weights.end(), b.weights->begin(), b.weights->end());
        up.push_back({b.w[0], begin, n});
        gate.push_back({b.w[2], begin, n});
        down.push_back({b.w[1], begin, n});
        for (int32_t t : *b.rows) ++per_token[static_cast<size_t>(t) + 1];
    }
    const auto R = static_cast<int64_t>(rows.size());
    for (int64_t t = 0; t < T; ++t) per_token[t + 1] += per_token[t];
    std::vector<int32_t> positions(static_cast<size_t>(R)), fill(per_token.begin(), per_token.end() - 1);
    for (int64_t r = 0; r < R; ++r) positions[static_cast<size_t>(fill[rows[r]]++)] = static_cast<int32_t>(r);
    auto drows = uploads.upload(std::span<const int32_t>(rows), s);
    auto dweights = uploads.upload(std::span<const float>(weights), s);
    auto doffsets = uploads.upload(std::span<const int32_t>(per_token), s);
    auto dpositions = uploads.upload(std::span<const int32_t>(positions), s);
    DeviceBuffer xb(static_cast<size_t>(R * d) * 2), h(static_cast<size_t>(R * inter) * 4), v(h.bytes());
    gather_rows_bf16(xq, drows.as<int32_t>(), R, d, xb.as<__nv_bfloat16>(), s);
    grouped_fp4_gemm(up, xb.as<__nv_bfloat16>(), h.as<float>(), s);
    grouped_fp4_gemm(gate, xb.as<__nv_bfloat16>(), v.as<float>(), s);
    swiglu(h.as<float>(), v.as<float>(), dweights.as<float>(), R, inter, limit, s);
    DeviceBuffer hb(static_cast<size_t>(R * inter) * 2), y(static_cast<size_t>(R * d) * 4);
    to_bf16(h.as<float>(), R * inter, hb.as<__nv_bfloat16>(), s);
    grouped_fp4_gemm(down, hb.as<__nv_bfloat16>(), y.as<float>(), s);
    add_gathered_rows(y.as<float>(), doffsets.as<int32_t>(), dpositions.as<int32_t>(), T, d, out, s);
}

struct ExpertTask {
    int32_t expert = 0;
    int64_t slot = -1;
    Where where = Where::Gpu;
    std::vector<int32_t> rows;
    std::vector<float> weights;
    size_t offset = 0;  // into the uploaded row/weight arrays
};

}  // namespace

void add_into(float* y, const float* x, int64_t n, cudaStream_t s) {
    if (n <= 0) return;
    add_kernel<<<static_cast<unsigned>((n + 255) / 256), 256, 0, s>>>(y, x, n);
    FATHOM_CUDA_CHECK(cudaGetLastError());
}

void gpu_expert_forward(const std::array<DeviceWeightView, 3>& w, const float* xq, const int32_t* rows,
                        const float* row_weights, int64_t n, int64_t d, float limit, float* out, cudaStream_t s) {
    const int64_t inter = w[0].out;
    DeviceBuffer xs(static_cast<size_t>(n * d) * 4), g(static_cast<size_t>(n * inter) * 4), v(g.bytes()), y(static_cast<size_t>(n * d) * 4);
    gather_rows(xq, rows, n, d, xs.as<float>(), s);
    linear(w[0], xs.as<float>(), n, g.as<float>(), s, LinearInput::Fp8Rounded);
    linear(w[2], xs.as<float>(), n, v.as<float>(), s, LinearInput::Fp8Rounded);
    swiglu(g.as<float>(), v.as<float>(), row_weights, n, inter, limit, s);
    linear(w[1], g.as<float>(), n, y.as<float>(), s, LinearInput::Fp8Rounded);
    scatter_add_rows(y.as<float>(), rows, n, d, out, s);
}

void gpu_experts_one_token(std::span<const TokenExpert> experts, const float* xq, const float* weights, int64_t d, float limit,
                           float* out, cudaStream_t s) {
    if (experts.empty()) return;
    const int64_t G = static_cast<int64_t>(experts.size()), inter = experts.front().w[0].out;
    for (const auto& e : experts)
        if (e.w[0].out != inter || e.w[2].out != inter || e.w[1].out != d || e.w[0].in != d)
            throw Error("gpu_experts_one_token: experts of different shapes in one group");
    DeviceBuffer g(static_cast<size_t>(G * inter) * 4), v(g.bytes()), y(static_cast<size_t>(G * d) * 4);
    auto task = [](const TokenExpert& e, int which, const float* x, float* y_out) {
        GemvTask t{e.w[which], x, y_out};
        if (e.tables) {
            t.table = e.tables + which * e.experts;
            t.index = e.index;
        }
        return t;
    };
    std::vector<GemvTask> tasks;
    for (int64_t i = 0; i < G; ++i) {
        tasks.push_back(task(experts[i], 0, xq, g.as<float>() + i * inter));
        tasks.push_back(task(experts[i], 2, xq, v.as<float>() + i * inter));
    }
    grouped_gemv(tasks, s);
    swiglu(g.as<float>(), v.as<float>(), weights, G, inter, limit, s);
    tasks.clear();
    for (int64_t i = 0; i < G; ++i) tasks.push_back(task(experts[i], 1, g.as<float>() + i * inter, y.as<float>() + i * d));
    grouped_gemv(tasks, s);
    add_rows_into(y.as<float>(), G, d, out, s);
}

MoeOffload::MoeOffload(const runtime::Model& model, const ExpertOffloadOptions& options) : c_(model.config()), options_(options) {
    const int64_t L = model.num_blocks(), E = c_.n_routed_experts, all = L * E;
    const int64_t slots = options.gpu_expert_slots < 0 ? all : std::min(options.gpu_expert_slots, all);
    std::vector<const std::vector<cpu::ExpertWeights>*> experts;
    for (int64_t i = 0; i < L; ++i) experts.push_back(&model.block_weights(i).experts);
    total_experts_ = all;
    const auto& shape = model.block_weights(0).experts.front();
    const uint64_t host_bytes = static_cast<uint64_t>(all) * ExpertLayout::of(shape).total;
    // With every expert resident nothing is read from host RAM after loading: no pinned copy. Pinned copies that
    // would exceed the host budget are not made either: the experts are read from the mapped checkpoint.
    const bool pin = options.pinned_host && slots < all && (options.host_budget_bytes == 0 || host_bytes <= options.host_budget_bytes);
    host_ = std::make_unique<HostExpertStore>(experts, pin, options.on_progress);
    flops_per_token_ = 2.0 * 3.0 * static_cast<double>(shape.w1.out) * static_cast<double>(shape.w1.in);
    FATHOM_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking));
    for (int i = 0; i < 2; ++i) {
        FATHOM_CUDA_CHECK(cudaEventCreateWithFlags(&staging_copied_[i], cudaEventDisableTiming));
        FATHOM_CUDA_CHECK(cudaEventCreateWithFlags(&staging_done_[i], cudaEventDisableTiming));
    }
    FATHOM_CUDA_CHECK(cudaEventCreateWithFlags(&moe_done_, cudaEventDisableTiming));
    slots_ = std::make_unique<GpuExpertSlots>(slots, host_->layout(), shape);
    if (slots < all) staging_ = std::make_unique<GpuExpertSlots>(2, host_->layout(), shape);
    policy_ = std::make_unique<runtime::ExpertCachePolicy>(L, E, slots, options.adapt);
    const auto& owners = policy_->slot_owners();
    for (int64_t s = 0; s < slots; ++s) {
        host_->copy_to_device(owners[s].first, owners[s].second, slots_->slot(s), copy_stream_);
        if (options.on_progress && !host_->pinned() && (s + 1) % 64 == 0)
            options.on_progress(static_cast<uint64_t>(s + 1) * expert_bytes(), static_cast<uint64_t>(slots) * expert_bytes());
    }
    FATHOM_CUDA_CHECK(cudaStreamSynchronize(copy_stream_));
    if (slots == all && !options.routing_override) {
        // Placement never changes when every expert is resident: the views can live on the device once.
        for (int64_t layer = 0; layer < L; ++layer) {
            std::vector<DeviceWeightView> table(static_cast<size_t>(3 * E));
            for (int64_t e = 0; e < E; ++e) {
                const auto views = slots_->views(slots_->slot(policy_->slot_of(layer, e)));
                for (int which = 0; which < 3; ++which) table[static_cast<size_t>(which * E + e)] = views[static_cast<size_t>(which)];
            }
            device_tables_.push_back(DeviceBuffer::from(std::span<const DeviceWeightView>(table)));
        }
        const std::vector<float> ones(static_cast<size_t>(std::max<int64_t>(1, c_.n_shared_experts)), 1.0f);
        shared_ones_ = DeviceBuffer::from(std::span<const float>(ones));
    }
    {
        char msg[200];
        std::snprintf(msg, sizeof msg, "expert offload: %lld of %lld routed experts on the GPU (%.2f GiB), host copies %s",
                      static_cast<long long>(slots), static_cast<long long>(all), slots_->bytes() / 1073741824.0,
                      host_->pinned() ? "pinned" : "mapped from the checkpoint");
        log_info(msg);
    }
}

MoeOffload::~MoeOffload() {
    if (copy_stream_) {
        cudaStreamSynchronize(copy_stream_);
        cudaStreamDestroy(copy_stream_);
    }
    for (int i = 0; i < 2; ++i) {
        if (staging_copied_[i]) cudaEventDestroy(staging_copied_[i]);
        if (staging_done_[i]) cudaEventDestroy(staging_done_[i]);
    }
    if (moe_done_) cudaEventDestroy(moe_done_);
}

void MoeOffload::run_resident_token(int64_t block, const float* xq, const int32_t* experts, const float* weights,
                                    std::span<const std::array<DeviceWeightView, 3>> shared, float* out) {
    if (!routes_on_device()) throw Error("internal: device routing needs every routed expert resident");
    const int64_t d = c_.hidden_size, E = c_.n_routed_experts, k = c_.num_experts_per_tok;
    const auto S = static_cast<int64_t>(shared.size());
    if (S * 4 > static_cast<int64_t>(shared_ones_.bytes())) throw Error("internal: more shared experts than the config names");
    const auto* tables = device_tables_.at(static_cast<size_t>(block)).as<DeviceWeightView>();
    // The shape and format of every routed expert of the layer (they share them): slot 0's views.
    const auto shape = slots_->views(slots_->slot(policy_->slot_of(block, 0)));
    std::vector<TokenExpert> group;
    for (const auto& e : shared) group.push_back({e});
    for (int64_t j = 0; j < k; ++j) group.push_back({shape, tables, E, experts + j});
    // Weights in group order: 1 for each shared expert, then the router's.
    DeviceBuffer group_weights(static_cast<size_t>(S + k) * 4);
    const cudaStream_t s = current_stream();
    if (S) FATHOM_CUDA_CHECK(cudaMemcpyAsync(group_weights.as<float>(), shared_ones_.as<float>(), S * 4, cudaMemcpyDeviceToDevice, s));
    FATHOM_CUDA_CHECK(cudaMemcpyAsync(group_weights.as<float>() + S, weights, k * 4, cudaMemcpyDeviceToDevice, s));
    gpu_experts_one_token(group, xq, group_weights.as<float>(), d, static_cast<float>(c_.swiglu_limit), out, s);
    note_resident_token_steps(1);
}

void MoeOffload::note_resident_token_steps(int64_t layers) {
    const auto runs = static_cast<uint64_t>(layers * c_.num_experts_per_tok);
    stats.expert_uses += runs;
    stats.gpu_resident += runs;
    stats.gpu_expert_bytes += runs * expert_bytes();
}

void MoeOffload::run(int64_t block, const float* xq, int64_t T, std::vector<int32_t>& experts, std::vector<float>& weights,
                     std::span<const std::array<DeviceWeightView, 3>> shared, float* out) {
    const int64_t d = c_.hidden_size, E = c_.n_routed_experts, k = c_.num_experts_per_tok;
    const float limit = static_cast<float>(c_.swiglu_limit);
    if (options_.routing_override) options_.routing_override(block, T, k, experts.data(), weights.data());
    stats.expert_uses += static_cast<uint64_t>(T * k);

    std::vector<ExpertTask> tasks;
    std::vector<int64_t> task_of(static_cast<size_t>(E), -1);
    for (int64_t t = 0; t < T; ++t)
        for (int64_t j = 0; j < k; ++j) {
            const int32_t e = experts[t * k + j];
            if (e < 0 || e >= E) throw Error("router chose expert " + std::to_string(e) + " of " + std::to_string(E));
            if (task_of[e] < 0) {
                task_of[e] = static_cast<int64_t>(tasks.size());
                tasks.push_back({});
                tasks.back().expert = e;
            }
            tasks[task_of[e]].rows.push_back(static_cast<int32_t>(t));
            tasks[task_of[e]].weights.push_back(weights[t * k + j]);
        }
    policy_->observe(block, std::span<const int32_t>(experts.data(), experts.size()));

    const double bytes = static_cast<double>(expert_bytes());
    std::vector<int32_t> all_rows;
    std::vector<float> all_weights;
    bool any_cpu = false;
    std::vector<ExpertTask*> misses;
    std::vector<int64_t> miss_rows;
    for (auto& task : tasks) {
        task.slot = policy_->slot_of(block, task.expert);
        if (task.slot >= 0) continue;
        misses.push_back(&task);
        miss_rows.push_back(static_cast<int64_t>(task.rows.size()));
    }
    // Misses are priced with the rates its CPU expert batches have reached so far (nominal ones until measured).
    const runtime::OffloadCosts costs = cpu_rates_.costs(options_.costs);
    const auto stream = runtime::ExpertCachePolicy::plan_misses(options_.miss, miss_rows, bytes, flops_per_token_, costs);
    for (size_t i = 0; i < misses.size(); ++i) misses[i]->where = stream[i] ? Where::Stream : Where::Cpu;
    for (auto& task : tasks) {
        if (task.where == Where::Cpu) {
            any_cpu = true;
            continue;
        }
        task.offset = all_rows.size();
        all_rows.insert(all_rows.end(), task.rows.begin(), task.rows.end());
        all_weights.insert(all_weights.end(), task.weights.begin(), task.weights.end());
    }
    // Everything the host must send or fetch goes first: after the launches below the host only computes.
    DeviceBuffer drows, dweights;
    if (!all_rows.empty()) {
        drows = uploads_.upload(std::span<const int32_t>(all_rows.data(), all_rows.size()));
        dweights = uploads_.upload(std::span<const float>(all_weights.data(), all_weights.size()));
    }
    std::vector<float> xq_host;
    if (any_cpu) {
        xq_host.resize(static_cast<size_t>(T * d));
        FATHOM_CUDA_CHECK(cudaMemcpy(xq_host.data(), xq, xq_host.size() * 4, cudaMemcpyDeviceToHost));
    }

    // One token: the resident routed experts and the shared ones run as one group (four launches).
    const bool grouped = T == 1;
    if (grouped) {
        std::vector<TokenExpert> group;
        for (const auto& e : shared) group.push_back({e});
        std::vector<float> group_weights(shared.size(), 1.0f);
        for (const auto& task : tasks) {
            if (task.where != Where::Gpu) continue;
            FATHOM_CUDA_CHECK(cudaStreamWaitEvent(current_stream(), slots_->ready_event(task.slot), 0));
            group.push_back({slots_->views(slots_->slot(task.slot))});
            group_weights.push_back(task.weights.front());
            ++stats.gpu_resident;
            stats.gpu_expert_bytes += expert_bytes();
        }
        auto dweights_group = uploads_.upload(std::span<const float>(group_weights.data(), group_weights.size()));
        gpu_experts_one_token(group, xq, dweights_group.as<float>(), d, limit, out);
    } else if (!shared.empty()) {
        if (iota_.bytes() < static_cast<size_t>(T) * 4) {
            std::vector<int32_t> all(static_cast<size_t>(T));
            for (int64_t t = 0; t < T; ++t) all[t] = static_cast<int32_t>(t);
            iota_ = DeviceBuffer::from(std::span<const int32_t>(all.data(), all.size()));
            const std::vector<float> ones(static_cast<size_t>(T), 1.0f);
            ones_ = DeviceBuffer::from(std::span<const float>(ones.data(), ones.size()));
        }
        for (const auto& e : shared) gpu_expert_forward(e, xq, iota_.as<int32_t>(), ones_.as<float>(), T, d, limit, out);
    }

    // Prefill: the resident experts as one grouped batch where their formats allow (FP4, as V4's routed experts are).
    bool resident_done = grouped;
    if (!grouped) {
        std::vector<ResidentBatch> batches;
        for (const auto& task : tasks)
            if (task.where == Where::Gpu) batches.push_back({slots_->views(slots_->slot(task.slot)), &task.rows, &task.weights});
        if (groupable(batches)) {
            for (const auto& task : tasks) {
                if (task.where != Where::Gpu) continue;
                FATHOM_CUDA_CHECK(cudaStreamWaitEvent(current_stream(), slots_->ready_event(task.slot), 0));
                ++stats.gpu_resident;
                stats.gpu_expert_bytes += expert_bytes();
            }
            gpu_experts_grouped(batches, xq, T, d, limit, out, uploads_, current_stream());
            resident_done = true;
        }
    }

    int streamed = 0;
    for (const auto& task : tasks) {
        const auto n = static_cast<int64_t>(task.rows.size());
        if (task.where == Where::Gpu && !resident_done) {
            FATHOM_CUDA_CHECK(cudaStreamWaitEvent(current_stream(), slots_->ready_event(task.slot), 0));
            gpu_expert_forward(slots_->views(slots_->slot(task.slot)), xq, drows.as<int32_t>() + task.offset,
                               dweights.as<float>() + task.offset, n, d, limit, out);
            ++stats.gpu_resident;
            stats.gpu_expert_bytes += expert_bytes();
        } else if (task.where == Where::Stream) {
            const int j = streamed++ % 2;
            FATHOM_CUDA_CHECK(cudaStreamWaitEvent(copy_stream_, staging_done_[j], 0));
            host_->copy_to_device(block, task.expert, staging_->slot(j), copy_stream_);
            FATHOM_CUDA_CHECK(cudaEventRecord(staging_copied_[j], copy_stream_));
            FATHOM_CUDA_CHECK(cudaStreamWaitEvent(current_stream(), staging_copied_[j], 0));
            gpu_expert_forward(staging_->views(staging_->slot(j)), xq, drows.as<int32_t>() + task.offset,
                               dweights.as<float>() + task.offset, n, d, limit, out);
            FATHOM_CUDA_CHECK(cudaEventRecord(staging_done_[j], current_stream()));
            ++stats.streamed;
            stats.pcie_bytes += expert_bytes();
        }
    }

    if (any_cpu) {
        const auto t0 = std::chrono::steady_clock::now();
        // All CPU experts of this layer in one batch: two sweeps over every core instead of three per expert.
        std::vector<std::vector<float>> xs, ys;
        std::vector<cpu::ExpertJob> jobs;
        std::vector<const ExpertTask*> cpu_tasks;
        for (const auto& task : tasks)
            if (task.where == Where::Cpu) cpu_tasks.push_back(&task);
        xs.resize(cpu_tasks.size());
        ys.resize(cpu_tasks.size());
        for (size_t i = 0; i < cpu_tasks.size(); ++i) {
            const ExpertTask& task = *cpu_tasks[i];
            const auto n = static_cast<int64_t>(task.rows.size());
            xs[i].resize(static_cast<size_t>(n * d));
            ys[i].assign(static_cast<size_t>(n * d), 0.0f);
            for (int64_t r = 0; r < n; ++r) std::copy_n(xq_host.data() + task.rows[r] * d, d, xs[i].data() + r * d);
            jobs.push_back({&host_->cpu_weights(block, task.expert), xs[i].data(), task.weights.data(), n, ys[i].data()});
            ++stats.cpu;
            stats.cpu_weight_bytes += expert_bytes();
        }
        cpu::run_expert_jobs(jobs, limit);
        std::vector<float> y(static_cast<size_t>(T * d), 0.0f);
        for (size_t i = 0; i < cpu_tasks.size(); ++i)
            for (size_t r = 0; r < cpu_tasks[i]->rows.size(); ++r)
                for (int64_t c = 0; c < d; ++c) y[cpu_tasks[i]->rows[r] * d + c] += ys[i][r * d + c];
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        stats.cpu_seconds += seconds;
        std::vector<int64_t> job_tokens;
        for (const auto& job : jobs) job_tokens.push_back(job.n);
        cpu_rates_.observe(job_tokens, static_cast<double>(expert_bytes()), flops_per_token_, seconds, options_.costs);
        auto dy = uploads_.upload(std::span<const float>(y.data(), y.size()));
        add_into(out, dy.as<float>(), T * d);
    }

    // Hot experts move in after this layer's kernels: the copy waits for them, later users wait for the copy.
    const auto changes = policy_->propose(block, std::span<const int32_t>(experts.data(), experts.size()), options_.max_swaps_per_layer_step);
    if (!changes.empty()) FATHOM_CUDA_CHECK(cudaEventRecord(moe_done_, current_stream()));
    for (const auto& change : changes) {
        FATHOM_CUDA_CHECK(cudaStreamWaitEvent(copy_stream_, moe_done_, 0));
        host_->copy_to_device(change.layer, change.expert, slots_->slot(change.slot), copy_stream_);
        FATHOM_CUDA_CHECK(cudaEventRecord(slots_->ready_event(change.slot), copy_stream_));
        policy_->commit(change);
        ++stats.swaps;
        stats.pcie_bytes += expert_bytes();
    }
}

}  // namespace fathom::cuda
