#include "cuda/cuda_log.hpp"

#include <spdlog/spdlog.h>

namespace fathom::cuda {

void log_info(const std::string& message) {
    if (auto log = spdlog::get("engine")) log->info("{}", message);
}

void log_warning(const std::string& message) {
    if (auto log = spdlog::get("engine")) log->warn("{}", message);
}

}  // namespace fathom::cuda
