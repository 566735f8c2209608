#include "model/dtype.hpp"

namespace fathom {

namespace {
struct DTypeEntry {
    DType dtype;
    std::string_view name;
    size_t size;
};
constexpr DTypeEntry kDTypes[] = {
    {DType::F64, "F64", 8},         {DType::F32, "F32", 4},         {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2},       {DType::F8_E4M3, "F8_E4M3", 1}, {DType::F8_E8M0, "F8_E8M0", 1},
    {DType::I64, "I64", 8},         {DType::I32, "I32", 4},         {DType::I16, "I16", 2},
    {DType::I8, "I8", 1},           {DType::U8, "U8", 1},           {DType::BOOL, "BOOL", 1},
};
}  // namespace

std::optional<DType> parse_dtype(std::string_view name) {
    for (const auto& e : kDTypes)
        if (e.name == name) return e.dtype;
    return std::nullopt;
}

std::string_view dtype_name(DType dtype) {
    for (const auto& e : kDTypes)
        if (e.dtype == dtype) return e.name;
    return "?";
}

size_t dtype_size(DType dtype) {
    for (const auto& e : kDTypes)
        if (e.dtype == dtype) return e.size;
    return 0;
}

}  // namespace fathom
