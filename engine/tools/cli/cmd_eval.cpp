// fathom-cli eval: runs the forward pass on the golden inputs and writes what ../shared/fixtures/README.md
// lists (end-to-end logits, teacher-forced per-block outputs for prefill and decode, decisions).
#include "../backend_choice.hpp"
#include "command.hpp"
#include "golden_files.hpp"

#include "fathom/error.hpp"
#include "model/safetensors_writer.hpp"
#include "runtime/forward_backend.hpp"
#include "runtime/model.hpp"
#include "storage/prefix_cache_store.hpp"

#include <chrono>
#include <cstdio>

namespace fathom::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Runs `fn(begin, count)` over [0, n) in chunks of `chunk` (0 = all at once).
template <typename F>
void in_chunks(int64_t n, int64_t chunk, F fn) {
    if (chunk <= 0) chunk = n;
    for (int64_t b = 0; b < n; b += chunk) fn(b, std::min(chunk, n - b));
}

int run_eval(const Args& args) {
    const std::string model_dir = args.require("--model");
    const std::string golden_dir = args.require("--golden");
    const std::string out_path = args.require("--out");
    tools::DeviceChoice device;
    device.device = args.value("--device").value_or("cpu");
    device.gpu_experts_per_layer = std::stoll(args.value("--gpu-experts").value_or("-1"));
    device.miss = args.value("--expert-miss").value_or("auto");
    device.host = args.value("--host-experts").value_or("pinned");
    const bool debug = args.has("--debug");
    // --split-at N splits the work at N exactly as --restore-at N does, without the snapshot: the baseline that
    // --restore-at must match bit for bit (kernels may pick another summation order for another chunk size).
    const int64_t split_at = std::stoll(args.value("--split-at").value_or("0"));
    const bool split_only = split_at > 0;
    const int64_t restore_at = split_only ? split_at : std::stoll(args.value("--restore-at").value_or("0"));
    const std::string cache_db = args.value("--cache-db").value_or(out_path + ".prefix-cache.db");
    const int64_t chunk = std::stoll(args.value("--prefill-chunk").value_or("0"));
    if (chunk < 0) throw Error("--prefill-chunk must be positive");

    auto t0 = Clock::now();
    runtime::Model model(Checkpoint::open(model_dir));
    const ModelConfig& c = model.config();
    const std::unique_ptr<ForwardBackend> backend = tools::make_backend(device, model);
    std::fprintf(stderr, "eval: loaded %s (%lld blocks) for %s in %.2f s\n", model_dir.c_str(),
                 static_cast<long long>(model.num_blocks()), backend->name().c_str(), seconds_since(t0));

    TensorFolder golden(golden_dir);
    const std::string model_fp = model.fingerprint().hex();
    const auto tokens = golden.ints("input_ids");
    const int64_t T = static_cast<int64_t>(tokens.size());
    const int64_t P = golden.ints("prefill_len").at(0);
    if (P < 0 || P > T) throw Error("prefill_len " + std::to_string(P) + " outside [0, " + std::to_string(T) + "]");
    if (restore_at < 0 || restore_at >= T) throw Error("--restore-at must be in [1, " + std::to_string(T - 1) + "]");
    const int64_t V = c.vocab_size, hc = c.hc_mult, d = c.hidden_size, L = backend->num_blocks(), D = T - P;

    SafetensorsWriter out(out_path);
    out.declare("prefill_logits", DType::F32, {T, V});
    out.declare("decode_logits", DType::F32, {D, V});
    const std::string last_block = "prefill.layers." + std::to_string(L - 1) + ".out";
    const bool head_check = debug && golden.has(last_block);
    if (head_check) out.declare("debug.head_of_golden_last_block", DType::F32, {T, V});
    for (int64_t n = 0; n < L; ++n) {
        const std::string p = "layers." + std::to_string(n);
        out.declare("prefill." + p + ".out", DType::F32, {T, hc, d});
        out.declare("decode." + p + ".out", DType::F32, {D, hc, d});
        out.declare("prefill." + p + ".experts", DType::I32, {T, c.num_experts_per_tok});
        out.declare("decode." + p + ".experts", DType::I32, {D, c.num_experts_per_tok});
        if (debug) {
            for (const char* k : {"attn_in", "attn_out", "ffn_in", "ffn_out"}) out.declare("prefill." + p + "." + k, DType::F32, {T, d});
            out.declare("prefill." + p + ".kv", DType::F32, {T, c.head_dim});
            out.declare("e2e." + p + ".out", DType::F32, {T, hc, d});
            if (c.compress_ratio(n) > 0) out.declare("prefill." + p + ".compressed_kv", DType::F32, {T / c.compress_ratio(n), c.head_dim});
            if (c.compress_ratio(n) == 4) out.declare("prefill." + p + ".indexer_keys", DType::F32, {T / 4, c.index_head_dim});
            if (c.compress_ratio(n) == 4) out.declare("prefill." + p + ".teacher_forced_indexer_topk", DType::I32, {T, c.index_topk});
        }
        if (c.compress_ratio(n) == 4) {
            out.declare("prefill." + p + ".indexer_topk", DType::I32, {T, c.index_topk});
            out.declare("decode." + p + ".indexer_topk", DType::I32, {D, c.index_topk});
        }
    }

    // End to end: one prefill of all T tokens (in chunks when asked).
    t0 = Clock::now();
    std::vector<float> logits(static_cast<size_t>(T * V));
    std::vector<BlockTrace> prefill_traces(static_cast<size_t>(L));
    std::vector<std::vector<float>> e2e_states(static_cast<size_t>(L));  // --debug: hc state after each block
    for (auto& tr : prefill_traces) tr.enabled = true;
    {
        std::vector<std::unique_ptr<BlockCache>> caches;
        for (int64_t n = 0; n < L; ++n) caches.push_back(backend->new_cache(n));
        in_chunks(T, chunk, [&](int64_t b, int64_t n) {
            std::vector<float> h(static_cast<size_t>(n * hc * d));
            backend->embed(tokens.data() + b, n, h.data());
            for (int64_t k = 0; k < L; ++k) {
                backend->run_block(k, *caches[k], tokens.data() + b, n, h.data(), &prefill_traces[k]);
                if (debug) e2e_states[k].insert(e2e_states[k].end(), h.begin(), h.end());
            }
            backend->head(h.data(), n, logits.data() + b * V);
        });
    }
    const double prefill_s = seconds_since(t0);
    out.write_values("prefill_logits", logits);

    // Prefill of P tokens, then one decode step per remaining token.
    t0 = Clock::now();
    std::vector<float> dlogits(static_cast<size_t>(D * V));
    std::vector<BlockTrace> decode_traces(static_cast<size_t>(L));
    {
        std::vector<std::unique_ptr<BlockCache>> caches;
        for (int64_t n = 0; n < L; ++n) caches.push_back(backend->new_cache(n));
        auto feed = [&](int64_t b, int64_t n, float* out_logits, bool traced) {
            std::vector<float> h(static_cast<size_t>(n * hc * d));
            backend->embed(tokens.data() + b, n, h.data());
            for (int64_t k = 0; k < L; ++k)
                backend->run_block(k, *caches[k], tokens.data() + b, n, h.data(), traced ? &decode_traces[k] : nullptr);
            if (out_logits) backend->head(h.data(), n, out_logits);
        };
        // --restore-at N: at position N the session is stored in a SQLite prefix cache, dropped, looked up
        // again by its token prefix and restored; what follows must not notice.
        auto store_and_restore = [&]() {
            if (split_only) return;
            const std::vector<int64_t> prefix(tokens.begin(), tokens.begin() + restore_at);
            const auto ts = Clock::now();
            const auto snap = backend->snapshot(caches, prefix);
            {
                storage::Database db(cache_db);
                storage::PrefixCacheStore store(db, int64_t{64} << 30);
                store.put(model_fp, prefix, snap);
            }
            const double store_s = seconds_since(ts);
            caches.clear();
            const auto tr = Clock::now();
            storage::Database db(cache_db);
            storage::PrefixCacheStore store(db, int64_t{64} << 30);
            auto hit = store.longest_prefix(model_fp, tokens);
            if (!hit || hit->token_count != restore_at)
                throw Error("the prefix cache did not return the " + std::to_string(restore_at) + "-token snapshot just stored");
            std::vector<int64_t> restored_tokens;
            caches = backend->restore(hit->snapshot, restored_tokens);
            if (restored_tokens != prefix) throw Error("the restored snapshot holds other tokens");
            std::fprintf(stderr, "eval: snapshot at %lld tokens: %zu bytes, stored in %.3f s, restored in %.3f s (%s)\n",
                         static_cast<long long>(restore_at), snap.size(), store_s, seconds_since(tr), cache_db.c_str());
        };
        auto prefill_range = [&](int64_t from, int64_t to) {
            in_chunks(to - from, chunk, [&](int64_t b, int64_t n) { feed(from + b, n, nullptr, false); });
        };
        const bool restore_in_prefill = restore_at > 0 && restore_at <= P;
        if (restore_in_prefill) {
            prefill_range(0, restore_at);
            store_and_restore();
            prefill_range(restore_at, P);
        } else {
            prefill_range(0, P);
        }
        for (auto& tr : decode_traces) tr.enabled = true;
        for (int64_t i = 0; i < D; ++i) {
            if (!restore_in_prefill && restore_at > 0 && P + i == restore_at) store_and_restore();
            feed(P + i, 1, dlogits.data() + i * V, true);
        }
    }
    const double decode_s = seconds_since(t0);
    out.write_values("decode_logits", dlogits);
    if (head_check) {
        std::vector<float> hl(static_cast<size_t>(T * V));
        backend->head(golden.f32(last_block).data(), T, hl.data());
        out.write_values("debug.head_of_golden_last_block", hl);
    }

    // Each block alone, its input being the golden output of the block before (teacher forcing).
    t0 = Clock::now();
    std::vector<float> embedded(static_cast<size_t>(T * hc * d));
    backend->embed(tokens.data(), T, embedded.data());
    for (int64_t n = 0; n < L; ++n) {
        const std::string p = "layers." + std::to_string(n);
        const auto input = n == 0 ? embedded : golden.f32("prefill.layers." + std::to_string(n - 1) + ".out");
        if (static_cast<int64_t>(input.size()) != T * hc * d)
            throw Error("golden block input for block " + std::to_string(n) + " has the wrong size");
        std::vector<float> h = input;
        auto st = backend->new_cache(n);
        BlockTrace trace;
        trace.enabled = debug;
        in_chunks(T, chunk, [&](int64_t b, int64_t k) { backend->run_block(n, *st, tokens.data() + b, k, h.data() + b * hc * d, &trace); });
        out.write_values("prefill." + p + ".out", h);
        std::vector<float> block_debug_kv = trace.compressed_kv, block_debug_index = trace.indexer_keys;

        std::vector<float> hd = input;
        auto sd = backend->new_cache(n);
        in_chunks(P, chunk, [&](int64_t b, int64_t k) { backend->run_block(n, *sd, tokens.data() + b, k, hd.data() + b * hc * d, nullptr); });
        for (int64_t i = P; i < T; ++i) backend->run_block(n, *sd, tokens.data() + i, 1, hd.data() + i * hc * d, nullptr);
        out.write_values("decode." + p + ".out", std::vector<float>(hd.begin() + P * hc * d, hd.end()));

        out.write_values("prefill." + p + ".experts", std::vector<int32_t>(prefill_traces[n].experts));
        out.write_values("decode." + p + ".experts", std::vector<int32_t>(decode_traces[n].experts));
        if (debug) {
            out.write_values("prefill." + p + ".attn_in", trace.attn_in);
            out.write_values("prefill." + p + ".attn_out", trace.attn_out);
            out.write_values("prefill." + p + ".ffn_in", trace.ffn_in);
            out.write_values("prefill." + p + ".ffn_out", trace.ffn_out);
            out.write_values("prefill." + p + ".kv", trace.kv);
            out.write_values("e2e." + p + ".out", e2e_states[n]);
            if (c.compress_ratio(n) > 0) out.write_values("prefill." + p + ".compressed_kv", block_debug_kv);
            if (c.compress_ratio(n) == 4) out.write_values("prefill." + p + ".indexer_keys", block_debug_index);
            if (c.compress_ratio(n) == 4) out.write_values("prefill." + p + ".teacher_forced_indexer_topk", trace.indexer_topk);
        }
        if (c.compress_ratio(n) == 4) {
            out.write_values("prefill." + p + ".indexer_topk", prefill_traces[n].indexer_topk);
            out.write_values("decode." + p + ".indexer_topk", decode_traces[n].indexer_topk);
        }
    }
    out.finish();
    tools::print_expert_stats(*backend);
    std::fprintf(stderr, "eval: prefill %lld tokens %.2f s, prefill %lld + %lld decode steps %.2f s, blocks %.2f s; wrote %s\n",
                 static_cast<long long>(T), prefill_s, static_cast<long long>(P), static_cast<long long>(D), decode_s,
                 seconds_since(t0), out_path.c_str());
    return 0;
}

const CommandRegistrar kEval({"eval",
                              "--model DIR --golden DIR --out OUT.safetensors [--device cpu|cuda [--gpu-experts N] [--expert-miss cpu|stream|auto] [--host-experts pinned|mapped]] [--prefill-chunk C] [--restore-at N [--cache-db F] | --split-at N] [--debug]  "
                              "forward pass on the golden inputs",
                              run_eval});

}  // namespace
}  // namespace fathom::cli
