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
    std::vector<uint8_t> snapshot(const std::vector<std::unique_ptr<BlockCache>>& caches, const std::vector<int64_t>& tokens) const override {
        SessionState st;
        st.tokens = tokens;
        for (const auto& c : caches) st.blocks.push_back(static_cast<const CpuCache&>(*c).state);
        return serialize_session(st, m_.fingerprint());
    }
    std::vector<std::unique_ptr<BlockCache>> restore(std::span<const uint8_t> bytes, std::vector<int64_t>& tokens) const override {
        std::vector<BlockState> templates;
        for (int64_t i = 0; i < m_.num_blocks(); ++i) templates.push_back(m_.block(i).new_state());
        SessionState st = deserialize_session(bytes, m_.fingerprint(), templates, m_.block_layouts());
        std::vector<std::unique_ptr<BlockCache>> caches;
        for (auto& b : st.blocks) {
            auto c = std::make_unique<CpuCache>();
            c->state = std::move(b);
            caches.push_back(std::move(c));
        }
        tokens = std::move(st.tokens);
        return caches;
    }

private:
    const runtime::Model& m_;
};

}  // namespace

std::unique_ptr<ForwardBackend> make_cpu_backend(const runtime::Model& model) { return std::make_unique<CpuBackend>(model); }

}  // namespace fathom
