// fathom-cli's subcommand registry: each subcommand lives in its own cmd_*.cpp and registers itself here.
// Args is the small flag parser they share (--flag value, --switch, positionals).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fathom::cli {

class Args {
public:
    explicit Args(std::vector<std::string> argv);
    std::optional<std::string> value(const std::string& flag) const;  // --flag VALUE or --flag=VALUE
    std::string require(const std::string& flag) const;               // throws fathom::Error when absent
    bool has(const std::string& flag) const;
    const std::vector<std::string>& positionals() const { return positionals_; }

private:
    std::vector<std::string> argv_;
    std::vector<std::string> positionals_;
};

struct Command {
    std::string name;
    std::string usage;  // one line: arguments and what it does
    int (*run)(const Args& args);
};

void register_command(Command command);
const std::vector<Command>& commands();

struct CommandRegistrar {
    explicit CommandRegistrar(Command command) { register_command(std::move(command)); }
};

}  // namespace fathom::cli
