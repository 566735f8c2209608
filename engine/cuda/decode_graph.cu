#include "cuda/decode_graph.cuh"

#include "cuda/cuda_log.hpp"
#include "cuda/current_stream.cuh"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace fathom::cuda {

namespace {

struct GraphOwner {
    cudaGraph_t graph = nullptr;
    ~GraphOwner() {
        if (graph) cudaGraphDestroy(graph);
    }
};

bool verbose() {
    // FATHOM_CUDA_GRAPH_LOG=1: each recording in the log (why a step was recorded again).
    static const bool on = [] {
        const char* v = std::getenv("FATHOM_CUDA_GRAPH_LOG");
        return v && std::string(v) == "1";
    }();
    return on;
}

}  // namespace

DecodeGraph::DecodeGraph(size_t scratch_bytes, size_t kept) : arena_(scratch_bytes), kept_limit_(std::max<size_t>(1, kept)) {
    // Blocking with respect to the legacy stream, so work enqueued there before or after a replay stays ordered.
    FATHOM_CUDA_CHECK(cudaStreamCreate(&stream_));
}

DecodeGraph::~DecodeGraph() {
    if (stream_) cudaStreamSynchronize(stream_);
    for (auto& k : kept_) cudaGraphExecDestroy(k.exec);
    if (stream_) cudaStreamDestroy(stream_);
}

bool DecodeGraph::replay(uint64_t binding) {
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
        if (it->binding != binding) continue;
        kept_.splice(kept_.begin(), kept_, it);
        FATHOM_CUDA_CHECK(cudaGraphLaunch(kept_.front().exec, stream_));
        ++stats_.replays;
        return true;
    }
    return false;
}

void DecodeGraph::record_and_launch(uint64_t binding, const std::function<void()>& step) {
    // Graphs kept from before share the scratch arena with this one: they run on the same stream, never together.
    arena_.reset();
    GraphOwner recorded;
    // Thread-local mode: a call from this thread that cannot be recorded (a synchronous copy, the legacy stream)
    // fails the recording instead of running outside the graph.
    FATHOM_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
    try {
        ScratchArena::Scope scratch(arena_);
        StreamScope on(stream_);
        step();
    } catch (...) {
        cudaStreamEndCapture(stream_, &recorded.graph);
        cudaGetLastError();
        throw;
    }
    FATHOM_CUDA_CHECK(cudaStreamEndCapture(stream_, &recorded.graph));
    cudaGraphExec_t exec = nullptr;
    FATHOM_CUDA_CHECK(cudaGraphInstantiate(&exec, recorded.graph, 0));
    for (auto it = kept_.begin(); it != kept_.end();) {
        if (it->binding == binding) {
            cudaGraphExecDestroy(it->exec);
            it = kept_.erase(it);
        } else {
            ++it;
        }
    }
    kept_.push_front({binding, exec});
    while (kept_.size() > kept_limit_) {
        // Stream order: an older graph still running finishes before anything enqueued later, so destroying it
        // now is safe (the driver defers the release until its launches complete).
        cudaGraphExecDestroy(kept_.back().exec);
        kept_.pop_back();
    }
    ++stats_.recordings;
    if (verbose()) {
        size_t nodes = 0;
        cudaGraphGetNodes(recorded.graph, nullptr, &nodes);
        log_info("decode graph: recorded a step (" + std::to_string(nodes) + " nodes), binding " + std::to_string(binding) + ", " +
                 std::to_string(kept_.size()) + " kept");
    }
    FATHOM_CUDA_CHECK(cudaGraphLaunch(exec, stream_));
    ++stats_.replays;
}

}  // namespace fathom::cuda
