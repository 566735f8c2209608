// DecodeGraph: a one-token step recorded as a CUDA graph and replayed, so the GPU runs the step's hundreds of small
// kernels back to back instead of waiting on the host's launches between them.
#pragma once

#include "cuda/device_buffer.hpp"

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <unordered_map>

namespace fathom::cuda {

struct DecodeGraphStats {
    uint64_t replays = 0;         // steps run as a graph
    uint64_t instantiations = 0;  // graphs built from scratch (a shape not seen before, or an update refused)
    uint64_t updates = 0;         // steps whose recording updated an instantiated graph of the same shape
};

// Every step is recorded anew, because positions, row counts and ring slots change from step to step; the recording
// then updates the instantiated graph of the same shape (cudaGraphExecUpdate: cheap next to instantiating). The
// shape changes only where a compressor completes a block, so a handful of graphs are kept, keyed by their shape.
class DecodeGraph {
public:
    explicit DecodeGraph(size_t scratch_bytes);
    ~DecodeGraph();
    DecodeGraph(const DecodeGraph&) = delete;
    DecodeGraph& operator=(const DecodeGraph&) = delete;

    // Records `step`, which enqueues its work on current_stream() and takes its DeviceBuffers from the scratch
    // arena, then launches the graph on stream(). The step's host-side effects (cache positions, row counts) happen
    // during the recording, so a recording that throws leaves nothing launched and the exception propagates.
    void run(const std::function<void()>& step);
    cudaStream_t stream() const { return stream_; }
    const DecodeGraphStats& stats() const { return stats_; }

private:
    static uint64_t shape_key(cudaGraph_t graph);

    cudaStream_t stream_ = nullptr;
    ScratchArena arena_;
    std::unordered_map<uint64_t, cudaGraphExec_t> execs_;
    DecodeGraphStats stats_;
};

}  // namespace fathom::cuda
