// UTF-8 walking and the character classes the pre-tokenizer tests (\p{..}, \s) on a byte string.
// Invalid UTF-8 never stops the walk: each stray byte becomes one unit of class "other" (see tokenizer.hpp).
#pragma once

#include "tokenizer/unicode_tables.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace fathom::tokenizer {

// One decoded character of the input: where its bytes are and what it is.
struct CodeUnit {
    uint32_t offset;      // byte offset in the text
    uint8_t length;       // 1..4 bytes
    bool valid;           // false: a byte that is not part of well-formed UTF-8
    uint32_t code_point;  // for invalid units, 0xFFFFFFFF (matches no class)
};

// Decodes well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF); anything else becomes
// one invalid unit per byte.
void decode_utf8(std::string_view text, std::vector<CodeUnit>& out);

// \s as the reference tokenizer (JavaScript, 'u' flag) defines it: ASCII TAB..CR and space, U+00A0,
// U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
bool is_js_whitespace(uint32_t code_point);

}  // namespace fathom::tokenizer
