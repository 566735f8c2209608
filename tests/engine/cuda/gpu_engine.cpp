// The public Engine on the GPU with a memory budget that leaves most routed experts in host RAM: the same logits
// as the CPU engine (within fp32 summation differences), snapshots that move between the two, clear errors.
#include "fathom/engine.hpp"
#include "unit.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace fathom;

namespace {

std::filesystem::path tiny() {
    const char* env = std::getenv("FATHOM_TINY_A");
    return env ? std::filesystem::path(env) : unit::shared_dir() / "fixtures" / "v4-tiny-a";
}

std::vector<int32_t> prompt(int64_t n, int64_t vocab) {
    std::vector<int32_t> t;
    for (int64_t i = 0; i < n; ++i) t.push_back(static_cast<int32_t>((i * 7919 + 13) % std::min<int64_t>(vocab, 120000)));
    return t;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) ab += double(a[i]) * b[i], aa += double(a[i]) * a[i], bb += double(b[i]) * b[i];
    return ab / std::sqrt(aa * bb);
}

size_t argmax(const std::vector<float>& v) { return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin()); }

}  // namespace

TEST("GPU with most experts in host RAM: logits as on the CPU, snapshots move between them") {
    LoadOptions cpu;
    cpu.model_dir = tiny();
    auto on_cpu = Engine::load(cpu);
    LoadOptions gpu = cpu;
    gpu.device = "cuda";
    const ModelSummary& s = on_cpu->summary();
    const uint64_t dense = Engine::load(gpu)->summary().gpu_dense_bytes;  // no budget: every expert fits
    CHECK(dense > 0);
    const uint64_t expert = s.routed_expert_bytes / static_cast<uint64_t>((s.blocks + 1) * s.routed_experts);  // + MTP
    // Dense weights, the 2 GiB reserve for caches, and room for about ten experts.
    gpu.gpu_memory_budget = dense + (uint64_t{2} << 30) + 10 * expert;
    auto on_gpu = Engine::load(gpu);
    const ModelSummary& g = on_gpu->summary();
    std::printf("  device %s: %s\n", g.device.c_str(), g.device_note.c_str());
    CHECK(g.device.rfind("cuda", 0) == 0);
    CHECK(g.gpu_expert_slots > 0);
    CHECK(g.gpu_expert_slots < s.blocks * s.routed_experts);
    CHECK(g.experts_pinned);

    const auto p = prompt(300, s.vocab_size);
    auto a = on_cpu->new_session(), b = on_gpu->new_session();
    const auto la = a->prefill(p, 64), lb = b->prefill(p, 64);
    const double cos = cosine(la, lb);
    std::printf("  prefill logits: cosine %.7f, argmax %zu vs %zu\n", cos, argmax(la), argmax(lb));
    CHECK(cos > 0.999);
    CHECK_EQ(argmax(la), argmax(lb));

    // A snapshot taken on the GPU continues on the CPU exactly as the CPU session continues itself (within the same
    // tolerance), and the reverse.
    const std::vector<int32_t> next{123};
    auto c = on_cpu->new_session();
    c->restore(b->snapshot());
    CHECK_EQ(c->position(), 300);
    const auto lc = c->prefill(next), la2 = a->prefill(next);
    CHECK(cosine(la2, lc) > 0.999);
    auto d = on_gpu->new_session();
    d->restore(a->snapshot());
    const auto ld = d->prefill(std::vector<int32_t>{77});
    const auto la3 = a->prefill(std::vector<int32_t>{77});
    CHECK(cosine(la3, ld) > 0.999);
}

TEST("on the GPU the backend-chosen prefill chunk is 2048 tokens") {
    LoadOptions o;
    o.model_dir = tiny();
    o.device = "cuda";
    auto engine = Engine::load(o);
    const auto p = prompt(2500, engine->summary().vocab_size);
    auto s = engine->new_session();
    std::vector<int64_t> steps;
    s->prefill(p, Session::kBackendChunk, [&](int64_t done, int64_t) { steps.push_back(done); });
    CHECK(steps == std::vector<int64_t>({2048, 2500}));
}

TEST("device auto uses the GPU here and says how the experts are placed; a bad device name is an error") {
    LoadOptions o;
    o.model_dir = tiny();
    o.device = "auto";
    auto e = Engine::load(o);
    CHECK(e->summary().device.rfind("cuda", 0) == 0);
    CHECK(e->summary().device_note.find("routed experts on the GPU") != std::string::npos);
    o.device = "tpu";
    CHECK_THROWS_WITH(Engine::load(o), "unknown device 'tpu'");
}

int main(int argc, char** argv) {
    LoadOptions probe;
    probe.model_dir = tiny();
    probe.device = "cuda";
    probe.read_all_weights = false;
    try {
        Engine::load(probe);
    } catch (const Error& e) {
        const std::string why = e.what();
        if (why.find("GPU") == std::string::npos && why.find("CUDA") == std::string::npos) throw;
        std::printf("no usable GPU (%s): skipped\n", e.what());
        return 77;
    }
    return unit::run_all(argc, argv);
}
