// fathom-bench offload: routed experts in host RAM with a GPU expert cache sized by a GPU memory budget. For each
// budget (stated for the full 43-layer model and scaled to the loaded layers): decode tokens/s under uniform and
// skewed routing, hit rate, bytes over PCIe and bytes read by the CPU per token, each beside its floor (PCIe,
// host DRAM and HBM bandwidth measured in the same run), and prefill tokens/s at the given lengths.
#include "../backend_choice.hpp"
#include "bench_common.hpp"
#include "benchmark.hpp"
#include "forward_bytes.hpp"
#include "gpu_bandwidth.cuh"

#include "cuda/cuda_backend.hpp"
#include "cuda/device_buffer.hpp"
#include "runtime/model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>

namespace fathom::bench {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<double> parse_list(const std::string& s) {
    std::vector<double> v;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ',')) v.push_back(std::stod(item));
    return v;
}

uint64_t expert_bytes(const cpu::ExpertWeights& e) { return e.w1.bytes() + e.w2.bytes() + e.w3.bytes(); }

// Per-layer expert choices drawn from a stated distribution (each layer its own random order of experts).
class SyntheticRouting {
public:
    SyntheticRouting(int64_t layers, int64_t experts, double zipf, double scaling, uint64_t seed)
        : experts_(experts), scaling_(scaling), rng_(seed) {
        for (int64_t l = 0; l < layers; ++l) {
            std::vector<int32_t> order(static_cast<size_t>(experts));
            for (int64_t e = 0; e < experts; ++e) order[e] = static_cast<int32_t>(e);
            std::shuffle(order.begin(), order.end(), rng_);
            orders_.push_back(order);
        }
        std::vector<double> w(static_cast<size_t>(experts));
        for (int64_t e = 0; e < experts; ++e) w[e] = 1.0 / std::pow(static_cast<double>(e + 1), zipf);
        pick_ = std::discrete_distribution<int64_t>(w.begin(), w.end());
    }
    void operator()(int64_t layer, int64_t T, int64_t k, int32_t* experts, float* weights) {
        for (int64_t t = 0; t < T; ++t)
            for (int64_t j = 0; j < k; ++j) {
                int32_t e;
                do e = orders_[layer][pick_(rng_)];
                while (std::find(experts + t * k, experts + t * k + j, e) != experts + t * k + j);
                experts[t * k + j] = e;
                weights[t * k + j] = static_cast<float>(scaling_ / k);
            }
    }

private:
    int64_t experts_;
    double scaling_;
    std::mt19937_64 rng_;
    std::vector<std::vector<int32_t>> orders_;
    std::discrete_distribution<int64_t> pick_;
};

struct Feeder {
    ForwardBackend& b;
    const ModelConfig& c;
    std::vector<std::unique_ptr<BlockCache>> caches;
    std::vector<float> logits;
    std::mt19937 rng{7};
    Feeder(ForwardBackend& backend, const ModelConfig& config) : b(backend), c(config), logits(static_cast<size_t>(config.vocab_size)) {
        for (int64_t k = 0; k < b.num_blocks(); ++k) caches.push_back(b.new_cache(k));
    }
    void feed(int64_t n) {
        std::vector<int64_t> tokens(static_cast<size_t>(n));
        for (auto& t : tokens) t = static_cast<int64_t>(rng() % static_cast<uint64_t>(c.vocab_size));
        b.forward(caches, tokens.data(), n, logits.data(), c.hc_mult * c.hidden_size);
    }
};

int run(const std::vector<std::string>& args) {
    const auto dir = flag_value(args, "--model");
    if (!dir) throw Error("usage: fathom-bench offload --model DIR [--gpu-budget 24,48,80] [--full-layers 43] [--context 1024] "
                          "[--prefill 8192,32768] [--zipf 1.0] [--host-experts pinned|mapped]");
    const auto budgets = parse_list(flag_value(args, "--gpu-budget").value_or("24,48,80"));
    const auto prefills = parse_list(flag_value(args, "--prefill").value_or("8192"));
    const double full_layers = positive_number_flag(args, "--full-layers", 43);
    const auto context = static_cast<int64_t>(positive_number_flag(args, "--context", 1024));
    const double zipf = positive_number_flag(args, "--zipf", 1.0);
    const bool pinned = flag_value(args, "--host-experts").value_or("pinned") != "mapped";
    const int decode_steps = static_cast<int>(positive_number_flag(args, "--steps", 32));

    const double pcie = pcie_h2d_bandwidth_gb_per_s(), hbm = hbm_bandwidth_gb_per_s();
    const ReadBandwidth dram = measure_read_bandwidth(size_t{4} << 30);
    runtime::Model model(Checkpoint::open(*dir));
    const auto& c = model.config();
    const int64_t L = model.num_blocks(), E = c.n_routed_experts, k = c.num_experts_per_tok;
    const uint64_t one_expert = expert_bytes(model.block_weights(0).experts.front());
    const uint64_t step_bytes = decode_step_bytes(model);
    const uint64_t dense_step = step_bytes - static_cast<uint64_t>(L * k) * one_expert;  // all but the routed experts
    const uint64_t dense_resident = model.embed_weight().bytes() + model.head_weight().bytes();
    // GPU-resident dense weights per layer: this step's dense bytes minus head/embedding row (all read per token).
    const double dense_per_layer = static_cast<double>(dense_step - model.head_weight().bytes()) / L;
    const double scale = full_layers / L;
    std::printf("model %s: %lld of %.0f layers loaded (per-token figures scaled by %.2f to the full depth), %lld experts/layer, k=%lld, "
                "expert %.2f MB\n", dir->c_str(), static_cast<long long>(L), full_layers, scale, static_cast<long long>(E),
                static_cast<long long>(k), one_expert / 1e6);
    std::printf("measured now: PCIe host->GPU %.1f GB/s (pinned, 1 GiB), host DRAM read %.1f GB/s (%d threads), HBM %.0f GB/s; "
                "host experts %s\n", pcie, dram.best_gb_per_s, dram.threads, hbm, pinned ? "pinned" : "mapped from the checkpoint");

    for (double budget_gb : budgets) {
        // The budget is for the full model: embedding, head and every layer's dense weights first, 3 GB for caches
        // and activations, the rest is expert slots, shared equally by the layers.
        const double dense_full = static_cast<double>(dense_resident) + dense_per_layer * full_layers;
        const double free_for_experts = budget_gb * 1e9 - dense_full - 3e9;
        const int64_t per_layer = std::clamp<int64_t>(static_cast<int64_t>(free_for_experts / one_expert / full_layers), 0, E);
        std::printf("\n== GPU budget %.0f GB for the %.0f-layer model: dense %.1f GB, %lld expert slots per layer (%.1f%% of experts) ==\n",
                    budget_gb, full_layers, dense_full / 1e9, static_cast<long long>(per_layer), 100.0 * per_layer / E);
        for (const char* dist : {"uniform", "skewed"}) {
            const double s = std::string(dist) == "uniform" ? 0.0 : zipf;
            auto routing = std::make_shared<SyntheticRouting>(L, E, s, c.routed_scaling_factor, 11);
            cuda::ExpertOffloadOptions o;
            o.gpu_expert_slots = per_layer * L;
            o.pinned_host = pinned;
            o.costs.pcie_bytes_per_s = pcie * 1e9;
            o.costs.cpu_bytes_per_s = dram.best_gb_per_s * 1e9;
            o.routing_override = [routing](int64_t l, int64_t T, int64_t kk, int32_t* e, float* w) { (*routing)(l, T, kk, e, w); };
            auto t0 = Clock::now();
            auto backend = cuda::make_cuda_backend(model, o, tools::cuda_options_from_env());
            const double load_s = since(t0);
            Feeder f(*backend, c);
            for (int64_t done = 0; done < context; done += 1024) f.feed(std::min<int64_t>(1024, context - done));
            for (int i = 0; i < 16; ++i) f.feed(1);  // the cache adapts to the distribution
            FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
            backend->reset_expert_stats();
            t0 = Clock::now();
            for (int i = 0; i < decode_steps; ++i) f.feed(1);
            FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
            const double step_s = since(t0) / decode_steps;
            const ExpertOffloadStats st = backend->expert_stats();
            const double runs = static_cast<double>(st.gpu_resident + st.cpu + st.streamed);
            const double pcie_b = st.pcie_bytes / double(decode_steps), cpu_b = st.cpu_weight_bytes / double(decode_steps);
            // The head is read once per token whatever the depth; everything else scales with the layers.
            const double head_b = static_cast<double>(model.head_weight().bytes());
            const double hbm_b = static_cast<double>(dense_step) - head_b + st.gpu_expert_bytes / double(decode_steps) + head_b / scale;
            const double floor_s = std::max({hbm_b / (hbm * 1e9), cpu_b / (dram.best_gb_per_s * 1e9), pcie_b / (pcie * 1e9)});
            std::printf("decode %-8s (%s): %.2f ms/token for %lld layers -> %.1f ms/token, %.1f tokens/s at %.0f layers; "
                        "hit rate %.1f%% (%.0f of %.0f expert runs on the GPU), moved in %llu; per token (full depth): "
                        "PCIe %.1f MB, CPU reads %.1f MB, HBM %.1f MB; floor %.2f ms (%s), ratio %.2f; CPU experts took %.1f ms/token; load %.1f s\n",
                        dist, s == 0 ? "every expert equally likely" : ("zipf s=" + std::to_string(s)).c_str(), step_s * 1e3,
                        static_cast<long long>(L), step_s * 1e3 * scale, 1.0 / (step_s * scale), full_layers,
                        runs ? 100.0 * st.gpu_resident / runs : 0.0, double(st.gpu_resident), runs,
                        static_cast<unsigned long long>(st.swaps), pcie_b * scale / 1e6, cpu_b * scale / 1e6, hbm_b * scale / 1e6,
                        floor_s * 1e3 * scale,
                        floor_s == hbm_b / (hbm * 1e9) ? "HBM" : (floor_s == cpu_b / (dram.best_gb_per_s * 1e9) ? "host DRAM" : "PCIe"),
                        step_s / floor_s, st.cpu_seconds / decode_steps * 1e3 * scale, load_s);
            const StepStats steps = backend->step_stats();
            std::printf("  steps so far: %llu kernel by kernel, %llu with per-layer graphs (%llu recorded)%s\n",
                        static_cast<unsigned long long>(steps.eager_steps), static_cast<unsigned long long>(steps.graph_replays),
                        static_cast<unsigned long long>(steps.graph_recordings), steps.graph_replays ? "" : " (FATHOM_CUDA_GRAPHS=1 turns them on)");
            if (std::string(dist) != "uniform") continue;
            for (double n : prefills) {
                Feeder p(*backend, c);
                backend->reset_expert_stats();
                FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
                t0 = Clock::now();
                for (int64_t done = 0; done < static_cast<int64_t>(n); done += 2048) p.feed(std::min<int64_t>(2048, static_cast<int64_t>(n) - done));
                FATHOM_CUDA_CHECK(cudaDeviceSynchronize());
                const double prefill_s = since(t0);
                const ExpertOffloadStats ps = backend->expert_stats();
                const double pcie_floor = ps.pcie_bytes / (pcie * 1e9);
                std::printf("prefill %.0f tokens (uniform, chunks of 2048): %.1f tokens/s at %.0f layers (%.1f s for %lld layers); "
                            "experts streamed %llu, on the CPU %llu, resident %llu; PCIe floor %.1f s (%.1f GB), ratio %.2f\n",
                            n, n / (prefill_s * scale), full_layers, prefill_s, static_cast<long long>(L),
                            static_cast<unsigned long long>(ps.streamed), static_cast<unsigned long long>(ps.cpu),
                            static_cast<unsigned long long>(ps.gpu_resident), pcie_floor, ps.pcie_bytes / 1e9,
                            pcie_floor > 0 ? prefill_s / pcie_floor : 0.0);
            }
        }
    }
    return 0;
}

const BenchmarkRegistrar registrar({"offload", "--model DIR [--gpu-budget 24,48,80] [--prefill 8192,32768]: expert cache and offload figures", run});

}  // namespace
}  // namespace fathom::bench
