// The three Split regexes of the V3/V4 tokenizer as code. Each function below mirrors one alternative of
// the third pattern, in the order the regex tries them, so the first that matches wins, as in a
// backtracking regex engine (the reference is JavaScript's RegExp with the 'u' flag).
#include "tokenizer/pre_tokenizer.hpp"

#include "fathom/error.hpp"
#include "tokenizer/unicode_text.hpp"

#include <string>

namespace fathom::tokenizer {

namespace {

const std::string kDigitPattern = "\\p{N}{1,3}";
const std::string kWordPattern =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
    " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

enum Flag : uint16_t {
    kLetter = 1 << 0,
    kMark = 1 << 1,
    kNumber = 1 << 2,
    kPunct = 1 << 3,
    kSymbol = 1 << 4,
    kSpace = 1 << 5,         // \s
    kNewline = 1 << 6,       // \r or \n
    kAsciiLetter = 1 << 7,   // [A-Za-z]
    kAsciiPunct = 1 << 8,    // the 32 ASCII punctuation characters of the first alternative
    kCjk = 1 << 9,           // the second split's class
    kSpaceChar = 1 << 10,    // ' ' itself
};

// Splits a "[a-bc-d...]+" pattern into code point ranges; the file holds the characters literally.
std::vector<std::pair<uint32_t, uint32_t>> parse_char_class_run(const std::string& pattern) {
    if (pattern.size() < 4 || pattern.front() != '[' || pattern.compare(pattern.size() - 2, 2, "]+") != 0)
        throw Error("tokenizer.json pre_tokenizer: expected a \"[...]+\" class for the CJK split, got \"" +
                    pattern + "\"");
    std::vector<CodeUnit> units;
    const std::string body = pattern.substr(1, pattern.size() - 3);
    decode_utf8(body, units);
    std::vector<uint32_t> cps;
    for (const CodeUnit& u : units) {
        if (!u.valid || u.code_point == '\\' || u.code_point == '[' || u.code_point == ']' || u.code_point == '^')
            throw Error("tokenizer.json pre_tokenizer: unsupported syntax in the CJK class \"" + pattern + "\"");
        cps.push_back(u.code_point);
    }
    std::vector<std::pair<uint32_t, uint32_t>> ranges;
    for (std::size_t i = 0; i < cps.size();) {
        if (i + 2 < cps.size() && cps[i + 1] == '-') {
            ranges.emplace_back(cps[i], cps[i + 2]);
            i += 3;
        } else {
            ranges.emplace_back(cps[i], cps[i]);
            i += 1;
        }
    }
    return ranges;
}

const std::string& split_regex(const nlohmann::json& split, std::size_t index) {
    const auto where = "tokenizer.json pre_tokenizer.pretokenizers[" + std::to_string(index) + "]";
    if (split.value("type", "") != "Split") throw Error(where + ": expected type Split");
    if (split.value("behavior", "") != "Isolated" || split.value("invert", true))
        throw Error(where + ": only behavior Isolated without invert is implemented");
    if (!split.contains("pattern") || !split["pattern"].contains("Regex"))
        throw Error(where + ": expected pattern.Regex");
    return split["pattern"]["Regex"].get_ref<const std::string&>();
}

class Matcher {
public:
    Matcher(const std::vector<uint16_t>& flags, std::size_t end) : f_(flags), end_(end) {}

    // Length of the third pattern's match at p, or 0 when no alternative matches there.
    std::size_t match_at(std::size_t p) const {
        if (std::size_t n = punct_then_ascii_word(p)) return n;
        if (std::size_t n = word(p)) return n;
        if (std::size_t n = punctuation_run(p)) return n;
        return whitespace(p);
    }

private:
    bool has(std::size_t i, uint16_t mask) const { return i < end_ && (f_[i] & mask) != 0; }
    std::size_t run(std::size_t i, uint16_t mask) const {
        while (has(i, mask)) ++i;
        return i;
    }

    // [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+
    std::size_t punct_then_ascii_word(std::size_t p) const {
        if (!has(p, kAsciiPunct) || !has(p + 1, kAsciiLetter)) return 0;
        return run(p + 1, kAsciiLetter) - p;
    }
    // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+  (the optional character is tried first, as greedy ? does)
    std::size_t word(std::size_t p) const {
        if (p < end_ && !has(p, kNewline | kLetter | kPunct | kSymbol) && has(p + 1, kLetter | kMark))
            return run(p + 1, kLetter | kMark) - p;
        if (has(p, kLetter | kMark)) return run(p, kLetter | kMark) - p;
        return 0;
    }
    //  ?[\p{P}\p{S}]+[\r\n]*
    std::size_t punctuation_run(std::size_t p) const {
        std::size_t q = p;
        if (has(q, kSpaceChar) && has(q + 1, kPunct | kSymbol)) ++q;
        if (!has(q, kPunct | kSymbol)) return 0;
        q = run(q, kPunct | kSymbol);
        return run(q, kNewline) - p;
    }
    // \s*[\r\n]+ | \s+(?!\S) | \s+
    std::size_t whitespace(std::size_t p) const {
        const std::size_t r = run(p, kSpace);
        if (r == p) return 0;
        for (std::size_t i = r; i > p; --i)  // \s* backs off to the last newline of the run
            if (f_[i - 1] & kNewline) return i - p;
        if (r == end_) return r - p;      // nothing follows: (?!\S) holds at the end
        if (r - 1 > p) return r - 1 - p;  // leave the last space to lead the next word
        return r - p;
    }

    const std::vector<uint16_t>& f_;
    std::size_t end_;
};

}  // namespace

PreTokenizer PreTokenizer::from_json(const nlohmann::json& section) {
    if (!section.is_object() || section.value("type", "") != "Sequence" || !section.contains("pretokenizers"))
        throw Error("tokenizer.json pre_tokenizer: expected a Sequence of pretokenizers");
    const auto& steps = section["pretokenizers"];
    if (steps.size() != 4)
        throw Error("tokenizer.json pre_tokenizer: expected 4 steps (digits, CJK, words, ByteLevel), got " +
                    std::to_string(steps.size()));
    if (split_regex(steps[0], 0) != kDigitPattern)
        throw Error("tokenizer.json pre_tokenizer: unsupported digit pattern \"" + split_regex(steps[0], 0) +
                    "\" (implemented: " + kDigitPattern + ")");
    PreTokenizer pre;
    pre.cjk_ranges_ = parse_char_class_run(split_regex(steps[1], 1));
    if (split_regex(steps[2], 2) != kWordPattern)
        throw Error("tokenizer.json pre_tokenizer: unsupported word pattern \"" + split_regex(steps[2], 2) + "\"");
    const auto& byte_level = steps[3];
    if (byte_level.value("type", "") != "ByteLevel" || byte_level.value("add_prefix_space", true) ||
        byte_level.value("use_regex", true))
        throw Error("tokenizer.json pre_tokenizer: expected a final ByteLevel step without prefix space or regex");
    return pre;
}

void PreTokenizer::split(std::string_view text, std::vector<Piece>& out) const {
    thread_local std::vector<CodeUnit> units;
    thread_local std::vector<uint16_t> flags;
    decode_utf8(text, units);
    flags.assign(units.size(), 0);
    for (std::size_t i = 0; i < units.size(); ++i) {
        const CodeUnit& u = units[i];
        if (!u.valid) continue;  // a stray byte is in no class, like an unassigned character
        const uint32_t cp = u.code_point;
        uint16_t f = 0;
        switch (char_class(cp)) {
            case CharClass::letter: f |= kLetter; break;
            case CharClass::mark: f |= kMark; break;
            case CharClass::number: f |= kNumber; break;
            case CharClass::punctuation: f |= kPunct; break;
            case CharClass::symbol: f |= kSymbol; break;
            case CharClass::other: break;
        }
        if (is_js_whitespace(cp)) f |= kSpace;
        if (cp == '\r' || cp == '\n') f |= kNewline;
        if (cp == ' ') f |= kSpaceChar;
        if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')) f |= kAsciiLetter;
        if ((cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
            (cp >= 0x7B && cp <= 0x7E))
            f |= kAsciiPunct;
        for (const auto& [lo, hi] : cjk_ranges_)
            if (cp >= lo && cp <= hi) f |= kCjk;
        flags[i] = f;
    }

    auto byte_at = [&](std::size_t unit) {
        return unit < units.size() ? units[unit].offset : static_cast<uint32_t>(text.size());
    };
    auto emit = [&](std::size_t a, std::size_t b) {
        if (b > a) out.push_back(Piece{byte_at(a), byte_at(b) - byte_at(a)});
    };
    // The third split over one piece of the second: matches and the gaps between them are both pieces.
    auto split_words = [&](std::size_t a, std::size_t b) {
        const Matcher matcher(flags, b);
        std::size_t gap = a;
        for (std::size_t p = a; p < b;) {
            const std::size_t n = matcher.match_at(p);
            if (n == 0) {
                ++p;
                continue;
            }
            emit(gap, p);
            emit(p, p + n);
            p += n;
            gap = p;
        }
        emit(gap, b);
    };
    // The second split (CJK runs) over one piece of the first.
    auto split_cjk = [&](std::size_t a, std::size_t b) {
        std::size_t p = a;
        while (p < b) {
            const bool cjk = flags[p] & kCjk;
            std::size_t q = p;
            while (q < b && static_cast<bool>(flags[q] & kCjk) == cjk) ++q;
            split_words(p, q);
            p = q;
        }
    };
    // The first split: \p{N}{1,3} pieces, and the stretches between them.
    std::size_t p = 0;
    const std::size_t n = units.size();
    while (p < n) {
        std::size_t q = p;
        if (flags[p] & kNumber) {
            while (q < n && q - p < 3 && (flags[q] & kNumber)) ++q;
            split_cjk(p, q);
        } else {
            while (q < n && !(flags[q] & kNumber)) ++q;
            split_cjk(p, q);
        }
        p = q;
    }
}

}  // namespace fathom::tokenizer
