// The public Engine and Session over the runtime model: loading with progress and cancellation, chunked
// prefill, and the generation loop with sampling and stop rules.
#include "fathom/engine.hpp"

#include "cpu/sampler.hpp"
#include "runtime/backend_session.hpp"
#include "runtime/model.hpp"
#ifdef FATHOM_HAVE_CUDA
#include "cuda/cuda_backend.hpp"
#endif

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace fathom {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void read_generation_config(const std::filesystem::path& dir, ModelSummary& s) {
    const auto path = dir / "generation_config.json";
    if (!std::filesystem::exists(path)) return;
    std::ifstream in(path);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error("generation config " + path.string() + ": not valid JSON: " + e.what());
    }
    if (j.contains("temperature") && j["temperature"].is_number()) s.default_temperature = j["temperature"].get<float>();
    if (j.contains("top_p") && j["top_p"].is_number()) s.default_top_p = j["top_p"].get<float>();
}

// Touches every page of every tensor so the first token does not stall on disk reads; reports progress.
void read_weights(const Checkpoint& ck, const LoadOptions& o, uint64_t total) {
    constexpr uint64_t kPage = 4096, kReport = 64ull << 20;
    uint64_t done = 0, reported = 0;
    uint8_t acc = 0;
    for (const auto& name : ck.tensor_names()) {
        const auto bytes = ck.tensor(name).bytes;
        for (uint64_t off = 0; off < bytes.size(); off += kPage) acc ^= bytes[off];
        done += bytes.size();
        if (done - reported >= kReport || done == total) {
            if (o.cancel && o.cancel->load()) throw Cancelled();
            if (o.on_progress) o.on_progress({done, total, "reading weights"});
            reported = done;
        }
    }
    volatile uint8_t sink = acc;  // keeps the reads from being optimised away
    (void)sink;
}

}  // namespace

struct Engine::Impl {
    std::unique_ptr<runtime::Model> model;
    std::unique_ptr<ForwardBackend> backend;
    ModelSummary summary;
};

struct Session::Impl {
    const runtime::Model* model = nullptr;
    std::unique_ptr<runtime::BackendSession> session;
    const ModelSummary* summary = nullptr;
};

namespace {

// The forward backend the options ask for; "auto" falls back to the CPU and says why in the summary.
std::unique_ptr<ForwardBackend> choose_backend(const runtime::Model& model, const LoadOptions& o, ModelSummary& s) {
    if (o.device != "cpu" && o.device != "cuda" && o.device != "auto")
        throw Error("unknown device '" + o.device + "' (cpu, cuda or auto)");
    if (o.device == "cpu") return make_cpu_backend(model);
#ifdef FATHOM_HAVE_CUDA
    try {
        cuda::ExpertOffloadOptions offload;
        offload.gpu_budget_bytes = o.gpu_memory_budget > 0 ? static_cast<int64_t>(o.gpu_memory_budget) : -1;
        offload.host_budget_bytes = o.host_memory_budget;
        if (o.on_progress)
            offload.on_progress = [&](uint64_t done, uint64_t total) { o.on_progress({done, total, "copying experts"}); };
        auto gpu = cuda::make_cuda_backend(model, offload);
        const ExpertOffloadStats st = gpu->expert_stats();
        s.device = gpu->name();
        s.gpu_expert_slots = st.gpu_slots;
        s.gpu_dense_bytes = st.gpu_dense_bytes;
        s.experts_pinned = st.host_pinned;
        s.device_note = std::to_string(st.gpu_slots) + " of " + std::to_string(st.total_experts) +
                        " routed experts on the GPU" +
                        (st.gpu_slots < st.total_experts ? std::string(", the rest in host RAM (") +
                                                               (st.host_pinned ? "pinned" : "mapped from the checkpoint") + ")"
                                                         : std::string());
        return gpu;
    } catch (const Error& e) {
        if (o.device == "cuda") throw;
        s.device_note = std::string("running on the CPU: ") + e.what();
    }
#else
    if (o.device == "cuda") throw Error("this build has no CUDA backend (nvcc was not found when it was configured)");
    s.device_note = "running on the CPU: this build has no CUDA backend";
#endif
    s.device = "cpu";
    return make_cpu_backend(model);
}

}  // namespace

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::load(const LoadOptions& o) {
    if (o.on_progress) o.on_progress({0, 0, "validating"});
    Checkpoint ck = Checkpoint::open(o.model_dir);
    auto impl = std::make_unique<Impl>();
    ModelSummary& s = impl->summary;
    const ModelConfig& c = ck.config();
    s.dir = o.model_dir;
    s.vocab_size = c.vocab_size;
    s.hidden_size = c.hidden_size;
    s.blocks = c.num_hidden_layers;
    s.max_context = c.max_position_embeddings;
    s.routed_experts = c.n_routed_experts;
    s.experts_per_token = c.num_experts_per_tok;
    s.bos_token_id = c.bos_token_id;
    s.eos_token_id = c.eos_token_id;
    for (const auto& name : ck.tensor_names()) {
        const uint64_t n = ck.tensor(name).bytes.size();
        s.weight_bytes += n;
        if (name.find(".ffn.experts.") != std::string::npos) s.routed_expert_bytes += n;
    }
    read_generation_config(o.model_dir, s);
    if (o.read_all_weights) read_weights(ck, o, s.weight_bytes);
    if (o.cancel && o.cancel->load()) throw Cancelled();
    impl->model = std::make_unique<runtime::Model>(std::move(ck));
    impl->backend = choose_backend(*impl->model, o, s);
    auto log = spdlog::get("engine");
    (log ? log : spdlog::default_logger())->info("forward pass on {} ({})", s.device, s.device_note.empty() ? "as asked" : s.device_note);
    if (o.on_progress) o.on_progress({s.weight_bytes, s.weight_bytes, "ready"});
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

const ModelSummary& Engine::summary() const { return impl_->summary; }

std::unique_ptr<Session> Engine::new_session() const {
    auto impl = std::make_unique<Session::Impl>();
    impl->model = impl_->model.get();
    impl->session = std::make_unique<runtime::BackendSession>(*impl_->model, *impl_->backend);
    impl->summary = &impl_->summary;
    return std::unique_ptr<Session>(new Session(std::move(impl)));
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

int64_t Session::position() const { return impl_->session->position(); }

std::string Engine::fingerprint() const { return impl_->model->fingerprint().hex(); }

std::vector<uint8_t> Session::snapshot() const { return impl_->session->snapshot(); }

void Session::restore(std::span<const uint8_t> snapshot) { impl_->session->restore(snapshot); }

std::vector<int64_t> Session::tokens() const { return impl_->session->tokens(); }

std::vector<float> Session::prefill(std::span<const int32_t> tokens, int64_t chunk,
                                    const std::function<void(int64_t, int64_t)>& on_progress,
                                    const std::atomic<bool>* cancel) {
    if (tokens.empty()) throw Error("prefill of an empty token list");
    if (chunk < kBackendChunk) throw Error("prefill chunk " + std::to_string(chunk) + ": expected a size, 0 (all) or kBackendChunk");
    const int64_t total = static_cast<int64_t>(tokens.size());
    if (chunk == 0) chunk = total;
    if (position() + total > impl_->summary->max_context)
        throw Error("the context would hold " + std::to_string(position() + total) + " tokens; this model allows " +
                    std::to_string(impl_->summary->max_context));
    std::vector<int64_t> ids(tokens.begin(), tokens.end());
    impl_->model->check_tokens(ids.data(), total);
    std::vector<float> logits(static_cast<size_t>(impl_->summary->vocab_size));
    for (int64_t b = 0, n = 0; b < total; b += n) {
        if (cancel && cancel->load()) throw Cancelled();
        n = std::min(chunk == kBackendChunk ? impl_->session->preferred_prefill_chunk() : chunk, total - b);
        impl_->session->prefill(ids.data() + b, n, logits.data());
        if (on_progress) on_progress(b + n, total);
    }
    return logits;
}

GenerationStats Session::generate(std::span<const int32_t> prompt, const SamplingParams& p,
                                  const std::function<bool(int32_t)>& on_token, const std::atomic<bool>* cancel) {
    GenerationStats st;
    st.prompt_tokens = static_cast<int64_t>(prompt.size());
    cpu::Sampler sampler(p.temperature, p.top_p, p.seed);
    const auto t0 = Clock::now();
    std::vector<float> logits = prefill(prompt, kBackendChunk, {}, cancel);
    st.prefill_seconds = since(t0);
    const auto t1 = Clock::now();
    for (;;) {
        if (cancel && cancel->load()) {
            st.finish_reason = "cancelled";
            break;
        }
        const size_t limit = p.vocab_limit > 0 ? std::min(logits.size(), static_cast<size_t>(p.vocab_limit)) : logits.size();
        const std::span<const float> last(logits.data(), limit);
        int32_t token = -1;
        if (sampler.greedy()) {
            token = cpu::argmax(last);
        } else {
            // The same draw on either device, so a seed gives the same reply on the CPU and the GPU.
            const double u = sampler.draw();
            token = impl_->session->sample_last(sampler.temperature(), sampler.top_p(), static_cast<int64_t>(limit), u);
            if (token < 0) token = sampler.pick(last, u);
        }
        if (st.completion_tokens == 0) st.time_to_first_token_seconds = since(t0);
        ++st.completion_tokens;
        const bool stop = token == impl_->summary->eos_token_id ||
                          std::find(p.stop_tokens.begin(), p.stop_tokens.end(), token) != p.stop_tokens.end();
        if (on_token && !on_token(token)) {
            st.finish_reason = "cancelled";
            break;
        }
        if (stop) {
            st.finish_reason = "stop";
            break;
        }
        if (st.completion_tokens >= p.max_new_tokens) {
            st.finish_reason = "length";
            break;
        }
        if (position() + 1 > impl_->summary->max_context) {
            st.finish_reason = "length";
            break;
        }
        const int64_t id = token;
        impl_->session->decode(id, logits.data());
    }
    st.decode_seconds = since(t1);
    return st;
}

}  // namespace fathom
