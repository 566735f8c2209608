// UTF-8 decoding that tolerates any byte string, the category lookup and JavaScript's \s.
#include "tokenizer/unicode_text.hpp"

#include <algorithm>
#include <array>

namespace fathom::tokenizer {

namespace {

constexpr uint32_t kInvalid = 0xFFFFFFFFu;

const std::array<uint8_t, 0x10000>& bmp_table() {
    static const std::array<uint8_t, 0x10000> table = [] {
        std::array<uint8_t, 0x10000> t{};
        for (std::size_t i = 0; i < kCategoryRangeCount; ++i) {
            const CategoryRange& r = kCategoryRanges[i];
            if (r.first > 0xFFFF) break;
            for (uint32_t cp = r.first; cp <= std::min<uint32_t>(r.last, 0xFFFF); ++cp) t[cp] = r.group;
        }
        return t;
    }();
    return table;
}

}  // namespace

CharClass char_class(uint32_t code_point) {
    if (code_point < 0x10000) return static_cast<CharClass>(bmp_table()[code_point]);
    if (code_point > 0x10FFFF) return CharClass::other;
    const CategoryRange* begin = kCategoryRanges;
    const CategoryRange* end = kCategoryRanges + kCategoryRangeCount;
    const CategoryRange* it = std::upper_bound(begin, end, code_point,
                                               [](uint32_t cp, const CategoryRange& r) { return cp < r.first; });
    if (it == begin) return CharClass::other;
    --it;
    return code_point <= it->last ? static_cast<CharClass>(it->group) : CharClass::other;
}

void decode_utf8(std::string_view text, std::vector<CodeUnit>& out) {
    out.clear();
    out.reserve(text.size());
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    auto continuation = [&](std::size_t at) { return at < n && (s[at] & 0xC0) == 0x80; };
    while (i < n) {
        const unsigned char b = s[i];
        uint32_t cp = kInvalid;
        uint8_t len = 1;
        if (b < 0x80) {
            cp = b;
        } else if (b >= 0xC2 && b <= 0xDF && continuation(i + 1)) {
            cp = ((b & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
            len = 2;
        } else if (b >= 0xE0 && b <= 0xEF && continuation(i + 1) && continuation(i + 2)) {
            const uint32_t v = ((b & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
            if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) {
                cp = v;
                len = 3;
            }
        } else if (b >= 0xF0 && b <= 0xF4 && continuation(i + 1) && continuation(i + 2) && continuation(i + 3)) {
            const uint32_t v = ((b & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
                               (s[i + 3] & 0x3Fu);
            if (v >= 0x10000 && v <= 0x10FFFF) {
                cp = v;
                len = 4;
            }
        }
        out.push_back(CodeUnit{static_cast<uint32_t>(i), len, cp != kInvalid, cp});
        i += len;
    }
}

bool is_js_whitespace(uint32_t cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    switch (cp) {
        case 0x00A0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

}  // namespace fathom::tokenizer
