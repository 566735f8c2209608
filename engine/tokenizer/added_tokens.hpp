// Finding added tokens ("<｜User｜>", "<think>", ...) inside text, leftmost-longest, before pre-tokenization.
// This is what transformers.js's DictionarySplitter does over all added tokens, special or not.
#pragma once

#include "fathom/tokenizer.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fathom::tokenizer {

class AddedTokenMatcher {
public:
    void add(const std::string& content, TokenId id);

    struct Match {
        std::size_t offset;
        std::size_t length;
        TokenId id;
    };
    // The first added token at or after `from` (the longest one starting there), if any.
    bool find(std::string_view text, std::size_t from, Match& match) const;

private:
    struct Node {
        std::vector<std::pair<unsigned char, int>> children;
        TokenId id = -1;  // a token ends here
    };
    int child(int node, unsigned char byte) const;

    std::vector<Node> nodes_{Node{}};
    bool first_byte_[256] = {};
};

}  // namespace fathom::tokenizer
