// bytes_to_unicode() of GPT-2: printable Latin-1 bytes map to themselves, the other 68 to U+0100 upwards.
#include "tokenizer/byte_level.hpp"

#include "tokenizer/unicode_text.hpp"

#include <array>
#include <unordered_map>
#include <vector>

namespace fathom::tokenizer {

namespace {

struct ByteMap {
    std::array<std::string, 256> to_char;
    std::unordered_map<uint32_t, unsigned char> to_byte;
};

std::string encode_utf8(uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
}

const ByteMap& byte_map() {
    static const ByteMap map = [] {
        ByteMap m;
        uint32_t next = 256;
        for (uint32_t b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            const uint32_t cp = printable ? b : next++;
            m.to_char[b] = encode_utf8(cp);
            m.to_byte[cp] = static_cast<unsigned char>(b);
        }
        return m;
    }();
    return map;
}

}  // namespace

const std::string& byte_to_char(unsigned char b) { return byte_map().to_char[b]; }

std::optional<std::string> chars_to_bytes(std::string_view vocab_text) {
    thread_local std::vector<CodeUnit> units;
    decode_utf8(vocab_text, units);
    std::string bytes;
    bytes.reserve(units.size());
    const auto& to_byte = byte_map().to_byte;
    for (const CodeUnit& u : units) {
        if (!u.valid) return std::nullopt;
        const auto it = to_byte.find(u.code_point);
        if (it == to_byte.end()) return std::nullopt;
        bytes += static_cast<char>(it->second);
    }
    return bytes;
}

}  // namespace fathom::tokenizer
