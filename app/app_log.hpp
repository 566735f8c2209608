// The "app" spdlog logger; before setupLogging registered it (early start-up, some tests) spdlog's default.
// Controllers log user-visible failures here with what they were doing.
#pragma once

#include <memory>

#include <spdlog/spdlog.h>

namespace fathom::app {

inline std::shared_ptr<spdlog::logger> appLog() {
    auto logger = spdlog::get("app");
    return logger ? logger : spdlog::default_logger();
}

}  // namespace fathom::app
