// The CPU reference forward pass behind the ForwardBackend interface.
#include "runtime/forward_backend.hpp"
#include "runtime/model.hpp"

namespace fathom {

namespace {

struct CpuCache : BlockCache {
    BlockState state;
};

class CpuBackend : public ForwardBackend {
public:
    explicit CpuBackend(const runtime::Model& m) : m_(m) {}
    std::string name() const override { return "cpu"; }
    int64_t num_blocks() const override { return m_.num_blocks(); }
    std::unique_ptr<BlockCache> new_cache(int64_t block) const override {
        auto c = std::make_unique<CpuCache>();
        c->state = m_.block(block).new_state();
        return c;
    }
    void run_block(int64_t block, BlockCache& cache, const int64_t* tokens, int64_t T, float* h, BlockTrace* trace) const override {
        m_.block(block).run(static_cast<CpuCache&>(cache).state, tokens, T, h, trace);
    }
    void embed(const int64_t* tokens, int64_t T, float* h) const override { m_.embed(tokens, T, h); }
    void head(const float* h, int64_t T, float* logits) const override { m_.head(h, T, logits); }

private:
    const runtime::Model& m_;
};

}  // namespace

std::unique_ptr<ForwardBackend> make_cpu_backend(const runtime::Model& model) { return std::make_unique<CpuBackend>(model); }

}  // namespace fathom
