// fathom-cli prompt: renders a chat-encoding case (shared/fixtures/chat-encoding/*.json) to its prompt text,
// exactly and nothing else; with --tokenizer it prints the prompt's token ids as a JSON array instead.
#include "command.hpp"

#include "fathom/chat_format.hpp"
#include "fathom/error.hpp"
#include "fathom/tokenizer.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>

namespace fathom::cli {
namespace {

int run_prompt(const Args& args) {
    const std::string path = args.require("--case");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open the case file");
    const std::string json(std::istreambuf_iterator<char>(in), {});
    chat::Conversation conversation = chat::conversation_from_json(json, path);
    if (auto mode = args.value("--mode")) {
        const auto parsed = chat::parse_mode(*mode);
        if (!parsed) throw Error("--mode " + *mode + ": expected standard, think or think-max");
        conversation.mode = *parsed;
    }
    if (auto tokenizer_path = args.value("--tokenizer")) {
        const auto ids = chat::encode_prompt(conversation, Tokenizer::load(*tokenizer_path));
        std::string out = "[";
        for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    std::string prompt;
    try {
        prompt = chat::render_prompt(conversation);
    } catch (const Error& e) {
        throw Error(path + ": " + e.what());
    }
    std::fwrite(prompt.data(), 1, prompt.size(), stdout);
    return 0;
}

const CommandRegistrar registrar({"prompt",
                                  "--case CASE.json [--mode standard|think|think-max] [--tokenizer tokenizer.json]: "
                                  "the prompt text (or its ids)",
                                  run_prompt});

}  // namespace
}  // namespace fathom::cli
