// The pre-tokenizer of DeepSeek's tokenizer.json, implemented by hand: digit runs, CJK runs, then the
// word/punctuation/whitespace regex, each "Isolated" split applied to the pieces of the previous one.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace fathom::tokenizer {

// A piece of the input, in bytes: [offset, offset + length).
struct Piece {
    uint32_t offset;
    uint32_t length;
};

class PreTokenizer {
public:
    // Reads tokenizer.json's "pre_tokenizer" section. The splits are hand-written (no regex engine), so this
    // checks that the file asks for exactly the patterns implemented here and throws fathom::Error naming
    // the first one it does not know. The CJK class of the second split is read from the file.
    static PreTokenizer from_json(const nlohmann::json& section);

    // Appends the pieces of `text` (an added-token-free stretch of the input) to `out`, in order.
    void split(std::string_view text, std::vector<Piece>& out) const;

private:
    std::vector<std::pair<uint32_t, uint32_t>> cjk_ranges_;  // the second split's character class
};

}  // namespace fathom::tokenizer
