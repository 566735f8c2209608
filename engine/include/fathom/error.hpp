// fathom::Error: the one exception type the engine throws for bad input, with the context needed to act on it.
// Messages name the file, the tensor or the field, and what was expected; the engine never aborts on user input.
#pragma once

#include <stdexcept>
#include <string>

namespace fathom {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Raised when a long operation (load, prefill, generation) sees its cancellation flag.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

}  // namespace fathom
