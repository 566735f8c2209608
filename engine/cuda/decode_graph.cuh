// DecodeGraph: a one-token step recorded once as a CUDA graph and replayed at every later position, so the GPU runs
// the step's hundreds of small kernels back to back and the host does one launch per token.
#pragma once

#include "cuda/device_buffer.hpp"

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <list>

namespace fathom::cuda {

struct DecodeGraphStats {
    uint64_t replays = 0;     // steps run as a graph
    uint64_t recordings = 0;  // graphs recorded and instantiated
};

// The recorded step reads its position and token from device memory, so one graph serves every position. What it
// cannot absorb is a cache buffer that moved (a compressed-row buffer grew, another conversation's caches): the
// caller names that with a binding key, and a step with a new key is recorded anew. A few graphs are kept (the most
// recently used), so switching between conversations does not re-record each time.
class DecodeGraph {
public:
    explicit DecodeGraph(size_t scratch_bytes, size_t kept = 4);
    ~DecodeGraph();
    DecodeGraph(const DecodeGraph&) = delete;
    DecodeGraph& operator=(const DecodeGraph&) = delete;

    // Launches the graph recorded under `binding` on stream() and returns true; false when there is none.
    bool replay(uint64_t binding);
    // Records `step` (which enqueues its work on current_stream() and takes its DeviceBuffers from the scratch
    // arena), instantiates it under `binding` and launches it. A step that throws while recording leaves nothing
    // launched and the exception propagates.
    void record_and_launch(uint64_t binding, const std::function<void()>& step);
    cudaStream_t stream() const { return stream_; }
    const DecodeGraphStats& stats() const { return stats_; }

private:
    struct Kept {
        uint64_t binding;
        cudaGraphExec_t exec;
    };
    cudaStream_t stream_ = nullptr;
    ScratchArena arena_;
    size_t kept_limit_;
    std::list<Kept> kept_;  // most recently used first
    DecodeGraphStats stats_;
};

}  // namespace fathom::cuda
