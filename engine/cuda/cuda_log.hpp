// Logging for the CUDA sources: nvcc cannot compile fmt's compile-time format strings, so .cu files hand a
// finished message to this plain C++ function, which logs it through spdlog's "engine" logger.
#pragma once

#include <string>

namespace fathom::cuda {

void log_info(const std::string& message);
void log_warning(const std::string& message);

}  // namespace fathom::cuda
