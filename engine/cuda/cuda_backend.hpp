// The CUDA forward pass behind the ForwardBackend interface (plain C++ header: no CUDA types), so eval and the
// benchmarks run the GPU exactly as they run the CPU reference. Throws fathom::Error when no GPU is usable.
#pragma once

#include "runtime/forward_backend.hpp"

namespace fathom::cuda {

std::unique_ptr<ForwardBackend> make_cuda_backend(const runtime::Model& model);

}  // namespace fathom::cuda
