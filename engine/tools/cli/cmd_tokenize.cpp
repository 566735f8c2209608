// fathom-cli tokenize: prints the token ids of a text (a file, or stdin) as one JSON array.
// --lines FILE instead reads one JSON string per line and prints one array per line (the reference test).
#include "command.hpp"

#include "fathom/error.hpp"
#include "fathom/tokenizer.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace fathom::cli {
namespace {

std::string read_all(std::istream& in) { return std::string(std::istreambuf_iterator<char>(in), {}); }

std::string ids_json(const std::vector<TokenId>& ids) {
    std::string out = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(ids[i]);
    }
    return out + "]";
}

int run_tokenize(const Args& args) {
    const Tokenizer tokenizer = Tokenizer::load(args.require("--tokenizer"));
    if (auto lines = args.value("--lines")) {
        std::ifstream in(*lines, std::ios::binary);
        if (!in) throw Error(*lines + ": cannot open");
        std::string line;
        for (int number = 1; std::getline(in, line); ++number) {
            if (line.empty()) continue;
            nlohmann::json text;
            try {
                text = nlohmann::json::parse(line);
            } catch (const nlohmann::json::exception& e) {
                throw Error(*lines + ":" + std::to_string(number) + ": not a JSON string (" + e.what() + ")");
            }
            if (!text.is_string()) throw Error(*lines + ":" + std::to_string(number) + ": not a JSON string");
            std::printf("%s\n", ids_json(tokenizer.encode(text.get<std::string>())).c_str());
        }
        return 0;
    }
    std::string text;
    if (auto file = args.value("--file")) {
        std::ifstream in(*file, std::ios::binary);
        if (!in) throw Error(*file + ": cannot open the text file");
        text = read_all(in);
    } else {
        text = read_all(std::cin);
    }
    std::printf("%s\n", ids_json(tokenizer.encode(text)).c_str());
    return 0;
}

const CommandRegistrar registrar({"tokenize",
                                  "--tokenizer tokenizer.json [--file TEXT | --lines JSONL]: token ids as a JSON array",
                                  run_tokenize});

}  // namespace
}  // namespace fathom::cli
