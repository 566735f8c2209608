// fathom-cli ingest: hands over to fathom-ingest, the app's ingestion tool. Reading PDFs needs poppler-qt6 and
// repositories libgit2, which the engine must not link; so this command execs the sibling executable with the
// same arguments, or says how to build it when the app was not built. No Qt enters the engine.
#include "command.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace fathom::cli {
namespace {

int run_ingest(const Args&) {
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    const std::filesystem::path tool = self.parent_path() / "fathom-ingest";
    if (error || !std::filesystem::exists(tool)) {
        std::fprintf(stderr,
                     "fathom-cli ingest: ingestion lives in the app build (it needs Qt 6, poppler-qt6 and libgit2, which "
                     "the engine does not link).\nBuild it with `cmake --build BUILD --target fathom-ingest` "
                     "(FATHOM_BUILD_APP=ON) and run `fathom-ingest PATH --json`; looked for '%s'.\n",
                     tool.string().c_str());
        return 2;
    }
    // argv as given after "ingest"; Args keeps no copy of the raw list, so it is rebuilt from /proc/self/cmdline.
    std::vector<std::string> argv_strings{tool.string()};
    if (FILE* f = std::fopen("/proc/self/cmdline", "rb")) {
        std::string all;
        char buffer[4096];
        for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) all.append(buffer, n);
        std::fclose(f);
        std::vector<std::string> parts;
        for (size_t start = 0; start < all.size();) {
            const size_t end = all.find('\0', start);
            parts.push_back(all.substr(start, end - start));
            start = end == std::string::npos ? all.size() : end + 1;
        }
        for (size_t i = 2; i < parts.size(); ++i) argv_strings.push_back(parts[i]);  // skip "fathom-cli ingest"
    }
    std::vector<char*> argv;
    for (std::string& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(nullptr);
    execv(tool.c_str(), argv.data());
    std::fprintf(stderr, "fathom-cli ingest: cannot run '%s': %s\n", tool.string().c_str(), std::strerror(errno));
    return 2;
}

const CommandRegistrar registrar({"ingest",
                                  "PATH [--json] ...  read a PDF, folder or repository (runs fathom-ingest, from the app build)",
                                  run_ingest});

}  // namespace
}  // namespace fathom::cli
