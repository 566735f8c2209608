// libFuzzer target: parse_safetensors_header over arbitrary bytes taken as a whole safetensors file.
// fathom::Error is the only acceptable failure; a crash, a sanitizer report or any other exception is a bug.
#include "fathom/error.hpp"
#include "model/safetensors.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const fathom::SafetensorsHeader header = fathom::parse_safetensors_header({data, size}, "fuzz-input");
        // What the parser accepts must be safe to use: every range lies inside the input.
        for (const auto& t : header.tensors) {
            if (header.data_offset + t.end > size || t.begin > t.end) __builtin_trap();
            volatile uint8_t touch = t.nbytes() ? data[header.data_offset + t.end - 1] : 0;
            (void)touch;
            (void)t.numel();
        }
    } catch (const fathom::Error&) {
        // Rejected with a message: the expected outcome for malformed input.
    }
    return 0;
}
