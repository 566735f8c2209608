// The stream a forward pass enqueues its work on: the legacy default stream normally, and the capture stream while
// a decode step is recorded as a CUDA graph (work on the legacy stream cannot be recorded).
#pragma once

#include <cuda_runtime.h>

#include <utility>

namespace fathom::cuda {

inline cudaStream_t& current_stream_slot() {
    thread_local cudaStream_t stream = nullptr;
    return stream;
}

inline cudaStream_t current_stream() { return current_stream_slot(); }

// Makes `stream` the thread's current stream until the scope ends.
class StreamScope {
public:
    explicit StreamScope(cudaStream_t stream) : previous_(std::exchange(current_stream_slot(), stream)) {}
    ~StreamScope() { current_stream_slot() = previous_; }
    StreamScope(const StreamScope&) = delete;
    StreamScope& operator=(const StreamScope&) = delete;

private:
    cudaStream_t previous_;
};

}  // namespace fathom::cuda
