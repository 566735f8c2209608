// ForwardBackend: the forward pass as eval and benchmarks drive it, block by block, over host arrays, so the CPU
// reference and the CUDA backend are checked by the same code (each block alone, or all of them end to end).
#pragma once

#include "runtime/block_state.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace fathom {

class BlockCache {
public:
    virtual ~BlockCache() = default;
};

class ForwardBackend {
public:
    virtual ~ForwardBackend() = default;
    virtual std::string name() const = 0;
    virtual int64_t num_blocks() const = 0;
    virtual std::unique_ptr<BlockCache> new_cache(int64_t block) const = 0;
    // h [T, hc, d] on the host, in and out; positions continue from the cache's.
    virtual void run_block(int64_t block, BlockCache& cache, const int64_t* tokens, int64_t T, float* h,
                           BlockTrace* trace) const = 0;
    virtual void embed(const int64_t* tokens, int64_t T, float* h) const = 0;
    // The caches of every block (one session) as a snapshot, and back; throws fathom::Error where unsupported.
    virtual std::vector<uint8_t> snapshot(const std::vector<std::unique_ptr<BlockCache>>& caches,
                                          const std::vector<int64_t>& tokens) const = 0;
    virtual std::vector<std::unique_ptr<BlockCache>> restore(std::span<const uint8_t> snapshot, std::vector<int64_t>& tokens) const = 0;
    virtual void head(const float* h, int64_t T, float* logits) const = 0;
};

namespace runtime {
class Model;
}
std::unique_ptr<ForwardBackend> make_cpu_backend(const runtime::Model& model);

}  // namespace fathom
