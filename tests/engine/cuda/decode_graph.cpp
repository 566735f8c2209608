// One-token steps replayed as CUDA graphs against the same steps launched kernel by kernel: the same kernels, so
// the logits and every cache (window ring, compressor blocks, compressed rows, indexer keys) must be bit-identical.
#include "cpu/sampler.hpp"
#include "cuda/cuda_backend.hpp"
#include "model/checkpoint.hpp"
#include "runtime/model.hpp"
#include "unit.hpp"

#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace fathom;

namespace {

std::filesystem::path tiny() {
    const char* env = std::getenv("FATHOM_TINY_A");
    return env ? std::filesystem::path(env) : unit::shared_dir() / "fixtures" / "v4-tiny-a";
}

struct Run {
    std::unique_ptr<ForwardBackend> backend;
    std::vector<std::unique_ptr<BlockCache>> caches;
};

Run start(const runtime::Model& model, bool graphs) {
    cuda::CudaBackendOptions o;
    o.decode_graphs = graphs;
    Run r{cuda::make_cuda_backend(model, {}, o), {}};
    for (int64_t i = 0; i < r.backend->num_blocks(); ++i) r.caches.push_back(r.backend->new_cache(i));
    return r;
}

// Prefill `prefill` tokens, then one-token steps to `total`, on a backend with graphs and one without; returns the
// graph backend's step statistics after checking logits, samples and caches bit for bit.
StepStats replay_against_eager(const runtime::Model& model, int64_t prefill, int64_t total) {
    const auto& c = model.config();
    const int64_t hcd = c.hc_mult * c.hidden_size, V = c.vocab_size;
    Run graph = start(model, true), eager = start(model, false);
    std::vector<int64_t> tokens;
    for (int64_t i = 0; i < total; ++i) tokens.push_back((i * 7919 + 13) % std::min<int64_t>(V, 120000));
    std::vector<float> lg(static_cast<size_t>(V)), le(lg.size());
    graph.backend->forward(graph.caches, tokens.data(), prefill, lg.data(), hcd);
    eager.backend->forward(eager.caches, tokens.data(), prefill, le.data(), hcd);
    CHECK(std::memcmp(lg.data(), le.data(), lg.size() * 4) == 0);
    int64_t differing_steps = 0, differing_samples = 0;
    cpu::Sampler twin(0.8f, 0.9f, 7);
    for (int64_t p = prefill; p < total; ++p) {
        graph.backend->forward(graph.caches, tokens.data() + p, 1, lg.data(), hcd);
        eager.backend->forward(eager.caches, tokens.data() + p, 1, le.data(), hcd);
        if (std::memcmp(lg.data(), le.data(), lg.size() * 4) != 0) ++differing_steps;
        // Sampling where the logits are (the graph's output buffer, the eager step's) picks the host's token.
        const double u = twin.draw();
        const int32_t want = twin.pick(lg, u);
        if (graph.backend->sample_last(0.8f, 0.9f, V, u) != want || eager.backend->sample_last(0.8f, 0.9f, V, u) != want)
            ++differing_samples;
    }
    CHECK_EQ(differing_steps, int64_t{0});
    CHECK_EQ(differing_samples, int64_t{0});
    CHECK(graph.backend->snapshot(graph.caches, tokens) == eager.backend->snapshot(eager.caches, tokens));
    const StepStats g = graph.backend->step_stats(), e = eager.backend->step_stats();
    std::printf("  prefill %lld, steps to %lld: graphs %llu replays, %llu recorded; eager %llu steps\n", static_cast<long long>(prefill),
                static_cast<long long>(total), static_cast<unsigned long long>(g.graph_replays),
                static_cast<unsigned long long>(g.graph_recordings), static_cast<unsigned long long>(e.eager_steps));
    CHECK_EQ(g.graph_replays, static_cast<uint64_t>(total - prefill));
    CHECK_EQ(e.graph_replays, uint64_t{0});
    CHECK_EQ(e.eager_steps, static_cast<uint64_t>(total - prefill + 1));
    return g;
}

}  // namespace

TEST("decode steps replayed from one recorded graph give the eager steps' logits and caches bit for bit") {
    runtime::Model model(Checkpoint::open(tiny()));
    // A prefill of 290 (chunks run eagerly in both), then 140 one-token steps: past compressor block ends of every
    // ratio the fixture has (4 and 128) and past the sliding window's wrap. The row buffers sized at the prefill
    // hold every row of the 140 steps, so the step is recorded once and replayed at every position.
    const StepStats g = replay_against_eager(model, 290, 430);
    CHECK_EQ(g.graph_recordings, uint64_t{1});
}

TEST("a compressed-row buffer that grows mid-decode gets the step recorded again, with the same results") {
    runtime::Model model(Checkpoint::open(tiny()));
    // From position 5 to 300: the ratio-4 rows pass the first buffer's 64 at position 256 and the buffer moves.
    const StepStats g = replay_against_eager(model, 5, 300);
    CHECK_EQ(g.graph_recordings, uint64_t{2});
}

TEST("a recording that fails (scratch arena too small) loses no step: it runs eagerly, the same logits") {
    runtime::Model model(Checkpoint::open(tiny()));
    const auto& c = model.config();
    const int64_t hcd = c.hc_mult * c.hidden_size;
    cuda::CudaBackendOptions starved;
    starved.decode_graphs = true;
    starved.decode_scratch_bytes = 4096;
    auto failing = cuda::make_cuda_backend(model, {}, starved);
    Run eager = start(model, false);
    std::vector<std::unique_ptr<BlockCache>> caches;
    for (int64_t i = 0; i < failing->num_blocks(); ++i) caches.push_back(failing->new_cache(i));
    const int64_t t[] = {11, 12, 13, 14, 15, 16};
    std::vector<float> a(static_cast<size_t>(c.vocab_size)), b(a.size());
    failing->forward(caches, t, 3, a.data(), hcd);
    eager.backend->forward(eager.caches, t, 3, b.data(), hcd);
    for (int i = 3; i < 6; ++i) {
        failing->forward(caches, t + i, 1, a.data(), hcd);
        eager.backend->forward(eager.caches, t + i, 1, b.data(), hcd);
        CHECK(std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
    }
    CHECK_EQ(failing->step_stats().graph_replays, uint64_t{0});
    CHECK_EQ(failing->step_stats().eager_steps, uint64_t{4});
    const std::vector<int64_t> seen(t, t + 6);
    CHECK(failing->snapshot(caches, seen) == eager.backend->snapshot(eager.caches, seen));
}

TEST("with routed experts in host RAM, one-token steps run eagerly (the host dispatches the misses)") {
    runtime::Model model(Checkpoint::open(tiny()));
    const auto& c = model.config();
    cuda::ExpertOffloadOptions offload;
    offload.gpu_expert_slots = model.num_blocks();  // one routed expert per layer on the GPU
    auto backend = cuda::make_cuda_backend(model, offload);
    std::vector<std::unique_ptr<BlockCache>> caches;
    for (int64_t i = 0; i < backend->num_blocks(); ++i) caches.push_back(backend->new_cache(i));
    std::vector<float> logits(static_cast<size_t>(c.vocab_size));
    const int64_t t[] = {5, 6, 7};
    backend->forward(caches, t, 2, logits.data(), c.hc_mult * c.hidden_size);
    backend->forward(caches, t + 2, 1, logits.data(), c.hc_mult * c.hidden_size);
    CHECK_EQ(backend->step_stats().graph_replays, uint64_t{0});
    CHECK_EQ(backend->step_stats().eager_steps, uint64_t{2});
}

TEST("with routed experts in host RAM, each layer's part up to the routing replays as a graph: logits and caches as eager") {
    runtime::Model model(Checkpoint::open(tiny()));
    const auto& c = model.config();
    const int64_t hcd = c.hc_mult * c.hidden_size, V = c.vocab_size, L = model.num_blocks();
    auto make = [&](bool graphs) {
        cuda::ExpertOffloadOptions offload;
        offload.gpu_expert_slots = 2 * L;                  // two routed experts per layer on the GPU
        offload.miss = runtime::MissPolicy::Stream;        // no timing-dependent CPU/stream choice between the two
        cuda::CudaBackendOptions o;
        o.decode_graphs = graphs;
        Run r{cuda::make_cuda_backend(model, offload, o), {}};
        for (int64_t i = 0; i < r.backend->num_blocks(); ++i) r.caches.push_back(r.backend->new_cache(i));
        return r;
    };
    Run graph = make(true), eager = make(false);
    std::vector<int64_t> tokens;
    for (int64_t i = 0; i < 170; ++i) tokens.push_back((i * 4099 + 7) % std::min<int64_t>(V, 120000));
    std::vector<float> lg(static_cast<size_t>(V)), le(lg.size());
    const int64_t prefill = 100;
    graph.backend->forward(graph.caches, tokens.data(), prefill, lg.data(), hcd);
    eager.backend->forward(eager.caches, tokens.data(), prefill, le.data(), hcd);
    int64_t differing_steps = 0;
    for (int64_t p = prefill; p < static_cast<int64_t>(tokens.size()); ++p) {
        graph.backend->forward(graph.caches, tokens.data() + p, 1, lg.data(), hcd);
        eager.backend->forward(eager.caches, tokens.data() + p, 1, le.data(), hcd);
        if (std::memcmp(lg.data(), le.data(), lg.size() * 4) != 0) ++differing_steps;
    }
    CHECK_EQ(differing_steps, int64_t{0});
    CHECK(graph.backend->snapshot(graph.caches, tokens) == eager.backend->snapshot(eager.caches, tokens));
    const StepStats g = graph.backend->step_stats();
    std::printf("  offloaded: %llu steps with layer graphs, %llu recorded; expert runs streamed %llu (graphs) / %llu (eager)\n",
                static_cast<unsigned long long>(g.graph_replays), static_cast<unsigned long long>(g.graph_recordings),
                static_cast<unsigned long long>(graph.backend->expert_stats().streamed),
                static_cast<unsigned long long>(eager.backend->expert_stats().streamed));
    CHECK_EQ(g.graph_replays, uint64_t{70});
    CHECK_EQ(g.graph_recordings, static_cast<uint64_t>(L));  // one per layer: the row buffers hold all 70 steps
    CHECK_EQ(graph.backend->expert_stats().streamed, eager.backend->expert_stats().streamed);
}

int main(int argc, char** argv) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        std::printf("no usable GPU: skipped\n");
        return 77;
    }
    return unit::run_all(argc, argv);
}
