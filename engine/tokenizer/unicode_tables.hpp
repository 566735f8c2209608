// The generated General Category range table (engine/tokenizer/unicode_tables.cpp) and its lookup.
// Only the groups the pre-tokenizer's regexes name are kept; every other code point is CharClass::other.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fathom::tokenizer {

enum class CharClass : uint8_t { other = 0, letter = 1, mark = 2, number = 3, punctuation = 4, symbol = 5 };

struct CategoryRange {
    uint32_t first;
    uint32_t last;
    uint8_t group;  // a CharClass value
};

extern const char* const kUnicodeVersion;
extern const CategoryRange kCategoryRanges[];
extern const std::size_t kCategoryRangeCount;

// O(1) below U+10000 (a table built once from the ranges), binary search above.
CharClass char_class(uint32_t code_point);

}  // namespace fathom::tokenizer
