// The engine's public API, the only engine header the app includes: load a V4 checkpoint folder (with progress
// and cancellation), open sessions (a token context with its caches), prefill, and generate token by token.
#pragma once

#include "fathom/error.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace fathom {

struct ModelSummary {
    std::filesystem::path dir;
    int64_t vocab_size = 0, hidden_size = 0, blocks = 0, max_context = 0;
    int64_t routed_experts = 0, experts_per_token = 0;
    uint64_t weight_bytes = 0;         // everything in the checkpoint's shards
    uint64_t routed_expert_bytes = 0;  // the part that offload keeps in host RAM
    int64_t bos_token_id = 0, eos_token_id = 1;
    // Where the forward pass runs: "cpu" or "cuda (<GPU name>)"; device_note says why the GPU is not used when it
    // was asked for or available ("auto"), and how the routed experts are placed when it is.
    std::string device = "cpu", device_note;
    int64_t gpu_expert_slots = 0;  // routed experts resident on the GPU (over all layers)
    uint64_t gpu_dense_bytes = 0;  // GPU memory the dense weights took
    bool experts_pinned = false;   // the others: pinned host copies (true) or read from the mapped checkpoint
    float default_temperature = 1.0f, default_top_p = 1.0f;  // generation_config.json, or 1.0 when absent
};

struct LoadProgress {
    uint64_t bytes_done = 0, bytes_total = 0;
    std::string stage;  // "validating", "reading weights"
};

struct LoadOptions {
    std::filesystem::path model_dir;
    std::function<void(const LoadProgress&)> on_progress;  // called from the loading thread
    const std::atomic<bool>* cancel = nullptr;              // set to abandon loading: load() throws Cancelled
    bool read_all_weights = true;                           // page every weight in now (else on first use)
    // "cpu", "cuda" (an error when no GPU is usable) or "auto" (the GPU when one is usable, else the CPU, said in
    // ModelSummary::device_note).
    std::string device = "cpu";
    // GPU bytes for weights: dense weights first, the rest routed experts (the others stay in host RAM). 0 = the
    // GPU's free memory.
    uint64_t gpu_memory_budget = 0;
    // Host bytes for pinned copies of the routed experts; when they do not fit, experts are read from the mapped
    // checkpoint (slower copies to the GPU). 0 = no limit.
    uint64_t host_memory_budget = 0;
};

struct SamplingParams {
    float temperature = 1.0f;
    float top_p = 1.0f;
    uint64_t seed = 0;
    int64_t max_new_tokens = 1024;
    std::vector<int32_t> stop_tokens;  // besides the model's end-of-sentence token
    int64_t vocab_limit = 0;           // sample only ids below this (the tokenizer's size; the vocabulary is padded); 0 = all
};

struct GenerationStats {
    int64_t prompt_tokens = 0, completion_tokens = 0;
    double prefill_seconds = 0, decode_seconds = 0, time_to_first_token_seconds = 0;
    std::string finish_reason;  // "stop", "length", "cancelled"
};

class Session;

class Engine {
public:
    static std::unique_ptr<Engine> load(const LoadOptions& options);  // throws fathom::Error (or Cancelled)
    ~Engine();

    const ModelSummary& summary() const;
    std::unique_ptr<Session> new_session() const;
    // Identifies this checkpoint for cached session state (hex): config.json, tensor table, sampled bytes.
    std::string fingerprint() const;

private:
    struct Impl;
    explicit Engine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    friend class Session;
};

class Session {
public:
    ~Session();
    int64_t position() const;  // tokens in the context so far

    // Feeds tokens in chunks, reporting progress; on cancel the session is left as it was before the call's first
    // unfinished chunk (chunks already fed stay); on an error inside the forward pass (a CUDA error, out of GPU
    // memory) the session is emptied, since its caches would disagree. Returns the logits after the last token.
    // chunk: kBackendChunk lets the backend choose (the CPU 256 tokens; the GPU 2048, fewer at long contexts, where
    // each token's share of the weight reads shrinks with the chunk); 0 feeds everything in one chunk.
    static constexpr int64_t kBackendChunk = -1;
    std::vector<float> prefill(std::span<const int32_t> tokens, int64_t chunk = kBackendChunk,
                               const std::function<void(int64_t done, int64_t total)>& on_progress = {},
                               const std::atomic<bool>* cancel = nullptr);

    // Prefills the prompt, then samples until end-of-sentence, a stop token, max_new_tokens or cancel.
    // on_token is called with each new token id; returning false stops generation.
    GenerationStats generate(std::span<const int32_t> prompt, const SamplingParams& params,
                             const std::function<bool(int32_t token)>& on_token,
                             const std::atomic<bool>* cancel = nullptr);

    // The whole cache state at this token boundary, and back (fathom::Error for another model, another format,
    // or damaged bytes; the session is unchanged then). tokens() lists what the session holds.
    std::vector<uint8_t> snapshot() const;
    void restore(std::span<const uint8_t> snapshot);
    std::vector<int64_t> tokens() const;

private:
    friend class Engine;
    struct Impl;
    explicit Session(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace fathom
