// The "storage" spdlog logger. The app registers it with its shared sinks before opening the database;
// when nothing registered it (tests, tools) a stderr logger is created on first use.
#pragma once

#include <memory>

#include <spdlog/logger.h>

namespace fathom::storage {

std::shared_ptr<spdlog::logger> log();

}  // namespace fathom::storage
