// The "ingestion" spdlog logger: created on first use over the app logger's sinks (the log file and the
// console once setupLogging ran, spdlog's default before), so ingest messages name their subsystem.
#pragma once

#include <memory>

#include <spdlog/spdlog.h>

namespace fathom::ingestion {

std::shared_ptr<spdlog::logger> ingestLog();

}  // namespace fathom::ingestion
