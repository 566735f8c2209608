// The --device choice of the tools (cpu or cuda, with the expert offload flags) as a ForwardBackend over a loaded
// model; fathom::Error for an unknown device or flag value, or a build without the CUDA backend.
#pragma once

#include "fathom/error.hpp"
#include "runtime/forward_backend.hpp"
#include "runtime/model.hpp"
#ifdef FATHOM_HAVE_CUDA
#include "cuda/cuda_backend.hpp"
#endif

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace fathom::tools {

struct DeviceChoice {
    std::string device = "cpu";
    int64_t gpu_experts_per_layer = -1;  // --gpu-experts N: routed experts resident per layer (-1: all)
    std::string miss = "auto";           // --expert-miss cpu|stream|auto
    std::string host = "pinned";         // --host-experts pinned|mapped
};

#ifdef FATHOM_HAVE_CUDA
// FATHOM_CUDA_GRAPHS=1 records and replays one-token steps as CUDA graphs; 0 or unset: kernel by kernel.
inline cuda::CudaBackendOptions cuda_options_from_env() {
    cuda::CudaBackendOptions o;
    const char* graphs = std::getenv("FATHOM_CUDA_GRAPHS");
    o.decode_graphs = graphs && std::string(graphs) == "1";
    return o;
}
#endif

inline std::unique_ptr<ForwardBackend> make_backend(const DeviceChoice& choice, const runtime::Model& model) {
    if (choice.device == "cpu") {
        if (choice.gpu_experts_per_layer >= 0) throw Error("--gpu-experts needs --device cuda");
        return make_cpu_backend(model);
    }
    if (choice.device == "cuda") {
#ifdef FATHOM_HAVE_CUDA
        cuda::ExpertOffloadOptions o;
        if (choice.gpu_experts_per_layer >= 0) o.gpu_expert_slots = choice.gpu_experts_per_layer * model.num_blocks();
        if (choice.miss == "cpu") o.miss = runtime::MissPolicy::Cpu;
        else if (choice.miss == "stream") o.miss = runtime::MissPolicy::Stream;
        else if (choice.miss != "auto") throw Error("--expert-miss must be cpu, stream or auto, not '" + choice.miss + "'");
        if (choice.host == "mapped") o.pinned_host = false;
        else if (choice.host != "pinned") throw Error("--host-experts must be pinned or mapped, not '" + choice.host + "'");
        return cuda::make_cuda_backend(model, o, cuda_options_from_env());
#else
        throw Error("this build has no CUDA backend (nvcc was not found when it was configured)");
#endif
    }
    throw Error("unknown device '" + choice.device + "' (cpu or cuda)");
}

inline std::unique_ptr<ForwardBackend> make_backend(const std::string& device, const runtime::Model& model) {
    DeviceChoice c;
    c.device = device;
    return make_backend(c, model);
}

inline void print_expert_stats(const ForwardBackend& b) {
    const ExpertOffloadStats s = b.expert_stats();
    if (s.expert_uses == 0) return;
    std::fprintf(stderr,
                 "experts: %llu uses; runs: %llu GPU-resident, %llu CPU, %llu streamed; %llu moved into the cache; "
                 "%.1f MB over PCIe, %.1f MB read by the CPU (%.3f s)\n",
                 static_cast<unsigned long long>(s.expert_uses), static_cast<unsigned long long>(s.gpu_resident),
                 static_cast<unsigned long long>(s.cpu), static_cast<unsigned long long>(s.streamed),
                 static_cast<unsigned long long>(s.swaps), s.pcie_bytes / 1e6, s.cpu_weight_bytes / 1e6, s.cpu_seconds);
}

}  // namespace fathom::tools
