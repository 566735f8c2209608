#include "app/logging.hpp"

#include <QDir>

#include <chrono>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace fathom::app {

QString setupLogging(const QString& dataDir) {
    const QString logDir = QDir(dataDir).filePath(QStringLiteral("logs"));
    QDir().mkpath(logDir);
    const QString logFile = QDir(logDir).filePath(QStringLiteral("fathom.log"));
    constexpr size_t kMaxFileBytes = 5 * 1024 * 1024;
    constexpr size_t kKeptFiles = 3;
    auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(logFile.toStdString(), kMaxFileBytes, kKeptFiles);
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    for (const char* name : {"app", "storage", "engine"}) {
        spdlog::drop(name);
        auto logger = std::make_shared<spdlog::logger>(name, spdlog::sinks_init_list{file, console});
        logger->set_level(spdlog::level::info);
        // Warnings and errors reach the file at once: they are what a crash report needs.
        logger->flush_on(spdlog::level::warn);
        spdlog::register_logger(logger);
    }
    // Info lines are flushed every two seconds, so even a killed process leaves a recent trail.
    spdlog::flush_every(std::chrono::seconds(2));
    spdlog::get("app")->info("logging to '{}'", logFile.toStdString());
    return logFile;
}

}  // namespace fathom::app
