#include "storage/log.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace fathom::storage {

std::shared_ptr<spdlog::logger> log() {
    static std::mutex creating;
    if (auto existing = spdlog::get("storage")) return existing;
    std::lock_guard lock(creating);
    if (auto existing = spdlog::get("storage")) return existing;
    return spdlog::stderr_color_mt("storage");
}

}  // namespace fathom::storage
