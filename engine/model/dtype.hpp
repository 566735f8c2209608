// Storage dtypes of safetensors files as the V4 checkpoint uses them, with their names and element sizes.
// Unknown dtype strings are rejected by the header parser, never guessed.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace fathom {

enum class DType { F64, F32, F16, BF16, F8_E4M3, F8_E8M0, I64, I32, I16, I8, U8, BOOL };

std::optional<DType> parse_dtype(std::string_view name);
std::string_view dtype_name(DType dtype);
size_t dtype_size(DType dtype);

}  // namespace fathom
