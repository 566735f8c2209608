#include "app/ingestion/ingestion_log.hpp"

#include <mutex>

namespace fathom::ingestion {

std::shared_ptr<spdlog::logger> ingestLog() {
    static std::mutex mutex;  // the ingest thread and the UI thread may both ask first
    std::lock_guard lock(mutex);
    if (auto logger = spdlog::get("ingestion")) return logger;
    auto base = spdlog::get("app");
    if (!base) base = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("ingestion", base->sinks().begin(), base->sinks().end());
    logger->set_level(base->level());
    logger->flush_on(spdlog::level::warn);
    spdlog::register_logger(logger);
    return logger;
}

}  // namespace fathom::ingestion
