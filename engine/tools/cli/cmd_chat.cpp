// fathom-cli chat: a conversation with a local V4 checkpoint on the CPU, streamed token by token, the reasoning
// of think modes shown apart from the answer. One user turn per line of standard input (or --prompt once).
#include "command.hpp"

#include "fathom/chat_format.hpp"
#include "fathom/engine.hpp"
#include "fathom/tokenizer.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace fathom::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void on_sigint(int) { g_interrupted = true; }

int run_chat(const Args& args) {
    const std::filesystem::path dir = args.require("--model");
    const auto mode = chat::parse_mode(args.value("--mode").value_or("standard"));
    if (!mode) throw Error("--mode must be standard, think or think-max");
    const auto tok_path = dir / "tokenizer.json";
    if (!std::filesystem::exists(tok_path))
        throw Error("no tokenizer.json in " + dir.string() + " (fathom-synth --tokenizer FILE writes one into a synthetic checkpoint)");
    const Tokenizer tokenizer = Tokenizer::load(tok_path);

    LoadOptions lo;
    lo.model_dir = dir;
    const bool tty = ::isatty(STDERR_FILENO);
    lo.on_progress = [&](const LoadProgress& p) {
        if (tty && p.bytes_total)
            std::fprintf(stderr, "\rloading %s: %.0f%% of %.1f GB", p.stage.c_str(), 100.0 * p.bytes_done / p.bytes_total, p.bytes_total / 1e9);
    };
    auto engine = Engine::load(lo);
    if (tty) std::fprintf(stderr, "\n");
    const auto& summary = engine->summary();
    if (static_cast<int64_t>(tokenizer.vocab_size()) > summary.vocab_size)
        throw Error("the tokenizer has " + std::to_string(tokenizer.vocab_size()) + " ids but the model's vocabulary is " +
                    std::to_string(summary.vocab_size) + ": they do not belong together");

    SamplingParams sp;
    sp.temperature = std::stof(args.value("--temperature").value_or(std::to_string(summary.default_temperature)));
    sp.top_p = std::stof(args.value("--top-p").value_or(std::to_string(summary.default_top_p)));
    sp.seed = std::stoull(args.value("--seed").value_or("0"));
    sp.max_new_tokens = std::stoll(args.value("--max-tokens").value_or("512"));
    sp.vocab_limit = static_cast<int64_t>(tokenizer.vocab_size());  // the vocabulary is padded past the tokenizer's ids
    std::fprintf(stderr, "model %s: %lld blocks, vocab %lld; mode %s, temperature %.2f, top-p %.2f (Ctrl-C stops a reply)\n",
                 dir.string().c_str(), static_cast<long long>(summary.blocks), static_cast<long long>(summary.vocab_size),
                 std::string(chat::mode_name(*mode)).c_str(), sp.temperature, sp.top_p);

    chat::Conversation conv;
    conv.mode = *mode;
    if (auto sys = args.value("--system")) conv.messages.push_back({"system", *sys, std::nullopt, {}, "", ""});
    std::unique_ptr<Session> session = engine->new_session();
    std::vector<TokenId> cached;  // what the session holds
    std::signal(SIGINT, on_sigint);
    const bool color = ::isatty(STDOUT_FILENO);

    auto turn = [&](const std::string& user) {
        conv.messages.push_back({"user", user, std::nullopt, {}, "", ""});
        const auto prompt = chat::encode_prompt(conv, tokenizer);
        // Reuse the cached context when the new prompt extends it; earlier reasoning is dropped from the
        // prompt, so after a think turn the prompt usually diverges and a fresh session is prefilled.
        std::span<const TokenId> fresh(prompt);
        if (prompt.size() > cached.size() && std::equal(cached.begin(), cached.end(), prompt.begin())) {
            fresh = fresh.subspan(cached.size());
        } else {
            session = engine->new_session();
            cached.clear();
        }
        chat::OutputSplitter splitter(conv.mode);
        bool in_reasoning_shown = false, answer_shown = false;
        auto show = [&](const chat::OutputDelta& d) {
            if (!d.reasoning.empty()) {
                if (!in_reasoning_shown) std::fputs(color ? "\x1b[2m[thinking] " : "[thinking] ", stdout), in_reasoning_shown = true;
                std::fputs(d.reasoning.c_str(), stdout);
            }
            if (!d.answer.empty()) {
                if (!answer_shown) {
                    if (in_reasoning_shown) std::fputs(color ? "\x1b[0m\n" : "\n", stdout);
                    std::fputs("[answer] ", stdout);
                    answer_shown = true;
                }
                std::fputs(d.answer.c_str(), stdout);
            }
            for (const auto& call : d.tool_calls) std::printf("\n[tool call] %s %s\n", call.name.c_str(), call.arguments.c_str());
            std::fflush(stdout);
        };
        g_interrupted = false;
        std::vector<TokenId> generated;
        const auto stats = session->generate(fresh, sp, [&](int32_t t) {
            generated.push_back(t);
            show(splitter.feed_tokens(std::span<const TokenId>(&t, 1), tokenizer));
            return true;
        }, &g_interrupted);
        show(splitter.finish());
        if (color && in_reasoning_shown && !answer_shown) std::fputs("\x1b[0m", stdout);
        std::printf("\n");
        cached.insert(cached.end(), fresh.begin(), fresh.end());
        // The last token sampled was not fed back unless generation continued past it.
        if (!generated.empty()) cached.insert(cached.end(), generated.begin(), generated.end() - 1);
        std::fprintf(stderr, "(%lld prompt tokens in %.2f s, %lld generated at %.1f tokens/s, %s)\n",
                     static_cast<long long>(stats.prompt_tokens), stats.prefill_seconds,
                     static_cast<long long>(stats.completion_tokens),
                     stats.decode_seconds > 0 ? stats.completion_tokens / stats.decode_seconds : 0.0, stats.finish_reason.c_str());
        chat::Message reply{"assistant", splitter.answer(), splitter.reasoning(), splitter.tool_calls(), "", ""};
        conv.messages.push_back(reply);
    };

    if (auto p = args.value("--prompt")) {
        turn(*p);
        return 0;
    }
    std::string line;
    while ((std::fputs("> ", stderr), std::getline(std::cin, line))) {
        if (line.empty()) continue;
        turn(line);
    }
    return 0;
}

const CommandRegistrar kChat({"chat",
                              "--model DIR [--mode standard|think|think-max] [--temperature T] [--top-p P] "
                              "[--max-tokens N] [--seed S] [--system TEXT] [--prompt TEXT]  chat on the CPU",
                              run_chat});

}  // namespace
}  // namespace fathom::cli
