#include "cuda/decode_graph.cuh"

#include "cuda/cuda_log.hpp"
#include "cuda/current_stream.cuh"

#include <cstdlib>
#include <string>
#include <vector>

namespace fathom::cuda {

namespace {

struct GraphOwner {
    cudaGraph_t graph = nullptr;
    ~GraphOwner() {
        if (graph) cudaGraphDestroy(graph);
    }
};

}  // namespace

DecodeGraph::DecodeGraph(size_t scratch_bytes) : arena_(scratch_bytes) {
    // Blocking with respect to the legacy stream, so work enqueued there before or after a replay stays ordered.
    FATHOM_CUDA_CHECK(cudaStreamCreate(&stream_));
}

DecodeGraph::~DecodeGraph() {
    if (stream_) cudaStreamSynchronize(stream_);
    for (auto& [key, exec] : execs_) cudaGraphExecDestroy(exec);
    if (stream_) cudaStreamDestroy(stream_);
}

uint64_t DecodeGraph::shape_key(cudaGraph_t graph) {
    size_t count = 0;
    FATHOM_CUDA_CHECK(cudaGraphGetNodes(graph, nullptr, &count));
    std::vector<cudaGraphNode_t> nodes(count);
    if (count) FATHOM_CUDA_CHECK(cudaGraphGetNodes(graph, nodes.data(), &count));
    uint64_t key = 1469598103934665603ull ^ count;  // FNV-1a over the node types in recording order
    for (cudaGraphNode_t node : nodes) {
        cudaGraphNodeType type{};
        FATHOM_CUDA_CHECK(cudaGraphNodeGetType(node, &type));
        key = (key ^ static_cast<uint64_t>(type)) * 1099511628211ull;
        if (type == cudaGraphNodeTypeKernel) {
            cudaKernelNodeParams p{};
            FATHOM_CUDA_CHECK(cudaGraphKernelNodeGetParams(node, &p));
            key = (key ^ reinterpret_cast<uint64_t>(p.func)) * 1099511628211ull;
        }
    }
    return key;
}

void DecodeGraph::run(const std::function<void()>& step) {
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
    const uint64_t key = shape_key(recorded.graph);
    // FATHOM_CUDA_GRAPH_LOG=1: each new shape and each refused update in the log (why graphs get rebuilt).
    static const bool verbose = [] {
        const char* v = std::getenv("FATHOM_CUDA_GRAPH_LOG");
        return v && std::string(v) == "1";
    }();
    auto it = execs_.find(key);
    if (it != execs_.end()) {
        cudaGraphExecUpdateResultInfo info{};
        const cudaError_t status = cudaGraphExecUpdate(it->second, recorded.graph, &info);
        if (status == cudaSuccess) {
            ++stats_.updates;
        } else {
            cudaGetLastError();
            if (verbose) {
                cudaGraphNodeType type{};
                if (info.errorNode) cudaGraphNodeGetType(info.errorNode, &type);
                log_info("decode graph: update refused (" + std::string(cudaGetErrorName(status)) + ", result " +
                         std::to_string(static_cast<int>(info.result)) + ", node type " + std::to_string(static_cast<int>(type)) + ")");
            }
            cudaGraphExecDestroy(it->second);
            execs_.erase(it);
            it = execs_.end();
        }
    }
    if (it == execs_.end()) {
        cudaGraphExec_t exec = nullptr;
        FATHOM_CUDA_CHECK(cudaGraphInstantiate(&exec, recorded.graph, 0));
        it = execs_.emplace(key, exec).first;
        ++stats_.instantiations;
        if (verbose) {
            size_t nodes = 0;
            cudaGraphGetNodes(recorded.graph, nullptr, &nodes);
            log_info("decode graph: built shape " + std::to_string(key) + " (" + std::to_string(nodes) + " nodes), " +
                     std::to_string(execs_.size()) + " shapes kept");
        }
    }
    FATHOM_CUDA_CHECK(cudaGraphLaunch(it->second, stream_));
    ++stats_.replays;
}

}  // namespace fathom::cuda
