// The --device choice of the tools (cpu or cuda) as a ForwardBackend over a loaded model; fathom::Error for an
// unknown device or a build without the CUDA backend.
#pragma once

#include "fathom/error.hpp"
#include "runtime/forward_backend.hpp"
#ifdef FATHOM_HAVE_CUDA
#include "cuda/cuda_backend.hpp"
#endif

#include <memory>
#include <string>

namespace fathom::tools {

inline std::unique_ptr<ForwardBackend> make_backend(const std::string& device, const runtime::Model& model) {
    if (device == "cpu") return make_cpu_backend(model);
    if (device == "cuda") {
#ifdef FATHOM_HAVE_CUDA
        return cuda::make_cuda_backend(model);
#else
        throw Error("this build has no CUDA backend (nvcc was not found when it was configured)");
#endif
    }
    throw Error("unknown device '" + device + "' (cpu or cuda)");
}

}  // namespace fathom::tools
