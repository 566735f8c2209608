// fathom-bench tokenizer: encoding speed on one core, MB/s and tokens/s, over 1 MB of mixed text (English,
// code, CJK, numbers, emoji, whitespace runs; generated with a fixed seed) or over a file given with --file.
#include "benchmark.hpp"

#include "fathom/error.hpp"
#include "fathom/tokenizer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>

namespace fathom::bench {
namespace {

std::string flag(const std::vector<std::string>& args, const std::string& name) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == name) return args[i + 1];
    return {};
}

// Sentences are stitched from parts with random numbers and words, so later megabytes are not all repeats
// (the encoder caches repeated pieces within one call, as real text also allows).
std::string mixed_text(std::size_t bytes) {
    static const char* const words[] = {"the", "model", "inference", "tokenizer", "quickly", "Beijing", "weather",
                                        "résumé", "naïve", "function", "return", "value", "vector", "kernel"};
    static const char* const parts[] = {
        "def compute(x, y):\n    return x * y + {n}\n\n",
        "for (int i = 0; i < {n}; ++i) {{ sum += v[i]; }}\n",
        "今天的天气很好，我们去{n}号公园散步吧。",
        "データベース・システムの{n}番目のテーブル。",
        "The {w} of {n} items was {w}, said the {w}.\n",
        "Emoji 👍🏽 and 👨‍👩‍👧 cost ${n}.99 — really?! ",
        "\t\t{w}  =  {n};\n",
        "Русский текст номер {n}. ",
        "<｜User｜>{w} {n}<｜Assistant｜></think>",
    };
    std::mt19937 rng(42);
    std::string out;
    while (out.size() < bytes) {
        std::string p = parts[rng() % std::size(parts)];
        std::string s;
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (p.compare(i, 3, "{n}") == 0) {
                s += std::to_string(rng() % 1000000);
                i += 2;
            } else if (p.compare(i, 3, "{w}") == 0) {
                s += words[rng() % std::size(words)];
                i += 2;
            } else if (p.compare(i, 2, "{{") == 0 || p.compare(i, 2, "}}") == 0) {
                s += p[i];
                i += 1;
            } else {
                s += p[i];
            }
        }
        out += s;
    }
    return out;
}

int run(const std::vector<std::string>& args) {
    const std::string path = flag(args, "--tokenizer");
    if (path.empty()) throw Error("usage: fathom-bench tokenizer --tokenizer tokenizer.json [--file TEXT]");
    auto t0 = std::chrono::steady_clock::now();
    const Tokenizer tokenizer = Tokenizer::load(path);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::string text;
    if (const std::string file = flag(args, "--file"); !file.empty()) {
        std::ifstream in(file, std::ios::binary);
        if (!in) throw Error(file + ": cannot open");
        text.assign(std::istreambuf_iterator<char>(in), {});
    } else {
        text = mixed_text(1 << 20);
    }
    double best = 1e30;
    std::size_t tokens = 0;
    for (int rep = 0; rep < 5; ++rep) {
        t0 = std::chrono::steady_clock::now();
        tokens = tokenizer.encode(text).size();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    const double mb = static_cast<double>(text.size()) / 1e6;
    std::printf("tokenizer: load %.3f s\n", load_s);
    std::printf("tokenizer: encode %.2f MB -> %zu tokens in %.3f s (best of 5, one thread)\n", mb, tokens, best);
    std::printf("tokenizer: %.2f MB/s, %.0f tokens/s\n", mb / best, static_cast<double>(tokens) / best);
    return 0;
}

const BenchmarkRegistrar registrar({"tokenizer", "--tokenizer tokenizer.json [--file TEXT]: encode MB/s, tokens/s",
                                    run});

}  // namespace
}  // namespace fathom::bench
