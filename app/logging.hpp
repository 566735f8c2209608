// Logging set-up: the "app", "storage" and "engine" spdlog loggers share one rotating file in the data
// folder (logs/fathom.log) and stderr, so a user's bug report carries every subsystem in order.
#pragma once

#include <QString>

namespace fathom::app {

// Replaces any earlier registration of the three loggers; returns the log file's path.
QString setupLogging(const QString& dataDir);

}  // namespace fathom::app
