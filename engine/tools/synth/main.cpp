// fathom-synth: writes random-weight DeepSeek-V4 checkpoints in the official layout and storage formats, from a
// tiny model up to the full V4-Flash and V4-Pro widths, streaming so that memory stays small.
#include "fathom/error.hpp"
#include "tools/synth/synthesizer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <string>

namespace {

constexpr const char* kUsage =
    "usage: fathom-synth --preset tiny|flash|pro --out DIR [--layers N] [--experts E] [--seed S]\n"
    "                    [--tokenizer FILE] [--shard-mb MB] [--threads T]\n"
    "  --layers N      num_hidden_layers (compress_ratios follow the preset's pattern; the MTP block is kept)\n"
    "  --experts E     n_routed_experts\n"
    "  --seed S        the same seed gives the same bytes (default 0)\n"
    "  --tokenizer F   tokenizer.json to copy into DIR (default: none)\n"
    "  --shard-mb MB   shard size bound (default: a quarter of the checkpoint, 16 MiB .. 4 GiB)\n"
    "  --threads T     generator threads (default: all)\n";

int64_t parse_int(const std::string& flag, const char* text) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
        throw fathom::Error("fathom-synth: " + flag + " expects an integer, got '" + text + "'");
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("synth"));
    try {
        fathom::synth::SynthOptions o;
        bool have_preset = false;
        for (int i = 1; i < argc; ++i) {
            const std::string flag = argv[i];
            if (flag == "--help" || flag == "-h") {
                std::fputs(kUsage, stdout);
                return 0;
            }
            if (i + 1 >= argc) throw fathom::Error("fathom-synth: " + flag + " needs a value (or is unknown)");
            const char* value = argv[++i];
            if (flag == "--preset") {
                o.preset = value;
                have_preset = true;
            } else if (flag == "--out") {
                o.out = value;
            } else if (flag == "--layers") {
                o.overrides.layers = parse_int(flag, value);
            } else if (flag == "--experts") {
                o.overrides.experts = parse_int(flag, value);
            } else if (flag == "--seed") {
                o.seed = static_cast<uint64_t>(parse_int(flag, value));
            } else if (flag == "--tokenizer") {
                o.tokenizer = value;
            } else if (flag == "--shard-mb") {
                const int64_t mb = parse_int(flag, value);
                if (mb < 1) throw fathom::Error("fathom-synth: --shard-mb must be at least 1");
                o.shard_bytes = static_cast<uint64_t>(mb) << 20;
            } else if (flag == "--threads") {
                const int64_t t = parse_int(flag, value);
                if (t < 1 || t > 1024) throw fathom::Error("fathom-synth: --threads must be in [1, 1024]");
                o.threads = static_cast<unsigned>(t);
            } else {
                throw fathom::Error("fathom-synth: unknown option " + flag);
            }
        }
        if (!have_preset || o.out.empty()) {
            std::fputs(kUsage, stderr);
            return 2;
        }
        const auto r = fathom::synth::synthesize(o);
        std::printf("wrote %s: %zu tensors, %.3f GB in %zu shards, %.1f s, %.1f MB/s\n", o.out.string().c_str(),
                    r.tensors, r.tensor_bytes / 1e9, r.shards, r.seconds, r.tensor_bytes / 1e6 / r.seconds);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
