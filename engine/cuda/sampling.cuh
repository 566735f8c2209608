// Token sampling on the GPU, the twin of cpu::Sampler::pick: temperature, nucleus (top-p) and the host's uniform
// draw, so only the chosen token crosses PCIe and the nucleus is sorted by the GPU instead of the host.
#pragma once

#include "cuda/current_stream.cuh"
#include "cuda/device_buffer.hpp"

#include <cstdint>

namespace fathom::cuda {

class DeviceSampler {
public:
    explicit DeviceSampler(int64_t max_vocab);
    // The token draw u (in [0, 1)) selects from logits [n] (device), exactly as cpu::Sampler::pick defines it
    // (probabilities in double; ties in the nucleus order: lower index first); temperature 0 is the argmax. Waits
    // for the stream to return the token.
    int32_t pick(const float* logits, int64_t n, float temperature, float top_p, double u, cudaStream_t stream = current_stream());

private:
    int64_t max_vocab_;
    DeviceBuffer iota_, sorted_keys_, sorted_index_, probabilities_, cumulative_, cub_scratch_, result_;
    size_t sort_scratch_bytes_ = 0, scan_scratch_bytes_ = 0;
};

}  // namespace fathom::cuda
