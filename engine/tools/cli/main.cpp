#include "command.hpp"

#include "fathom/error.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace fathom::cli {

namespace {
// Flags that never take a value, so the word after them stays a positional argument.
bool is_switch(const std::string& flag) {
    static const char* kSwitches[] = {"--json", "--debug", "--verbose", "--blocks-only", "--help"};
    for (const char* s : kSwitches)
        if (flag == s) return true;
    return false;
}
}  // namespace

Args::Args(std::vector<std::string> argv) : argv_(std::move(argv)) {
    for (size_t i = 0; i < argv_.size(); ++i) {
        const std::string& a = argv_[i];
        if (a.rfind("--", 0) == 0) {
            // A flag's value is the next word unless it is itself a flag or the flag is a switch.
            if (!is_switch(a) && a.find('=') == std::string::npos && i + 1 < argv_.size() && argv_[i + 1].rfind("--", 0) != 0) ++i;
        } else {
            positionals_.push_back(a);
        }
    }
}

std::optional<std::string> Args::value(const std::string& flag) const {
    for (size_t i = 0; i < argv_.size(); ++i) {
        if (argv_[i] == flag && !is_switch(flag) && i + 1 < argv_.size() && argv_[i + 1].rfind("--", 0) != 0) return argv_[i + 1];
        if (argv_[i].rfind(flag + "=", 0) == 0) return argv_[i].substr(flag.size() + 1);
    }
    return std::nullopt;
}

std::string Args::require(const std::string& flag) const {
    auto v = value(flag);
    if (!v) throw Error("missing required argument " + flag);
    return *v;
}

bool Args::has(const std::string& flag) const {
    for (const auto& a : argv_)
        if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
    return false;
}

static std::vector<Command>& registry() {
    static std::vector<Command> r;
    return r;
}
void register_command(Command command) { registry().push_back(std::move(command)); }
const std::vector<Command>& commands() { return registry(); }

}  // namespace fathom::cli

static void print_usage() {
    std::fprintf(stderr, "usage: fathom-cli COMMAND [ARGS]\n\ncommands:\n");
    for (const auto& c : fathom::cli::commands()) std::fprintf(stderr, "  %-10s %s\n", c.name.c_str(), c.usage.c_str());
}

int main(int argc, char** argv) {
    auto logger = spdlog::stderr_color_mt("engine");
    spdlog::set_level(spdlog::level::warn);
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        print_usage();
        return argc < 2 ? 2 : 0;
    }
    const std::string name = argv[1];
    std::vector<std::string> rest(argv + 2, argv + argc);
    if (std::find(rest.begin(), rest.end(), "--verbose") != rest.end()) spdlog::set_level(spdlog::level::info);
    for (const auto& c : fathom::cli::commands()) {
        if (c.name != name) continue;
        try {
            return c.run(fathom::cli::Args(rest));
        } catch (const fathom::Error& e) {
            std::fprintf(stderr, "fathom-cli %s: %s\n", name.c_str(), e.what());
            return 1;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "fathom-cli %s: internal error: %s\n", name.c_str(), e.what());
            return 3;
        }
    }
    std::fprintf(stderr, "fathom-cli: unknown command '%s'\n", name.c_str());
    print_usage();
    return 2;
}
