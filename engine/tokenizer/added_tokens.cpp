// A byte trie over the added tokens; the first-byte table skips most positions without a lookup.
#include "tokenizer/added_tokens.hpp"

namespace fathom::tokenizer {

int AddedTokenMatcher::child(int node, unsigned char byte) const {
    for (const auto& [b, next] : nodes_[node].children)
        if (b == byte) return next;
    return -1;
}

void AddedTokenMatcher::add(const std::string& content, TokenId id) {
    if (content.empty()) return;
    int node = 0;
    for (const char ch : content) {
        const auto byte = static_cast<unsigned char>(ch);
        int next = child(node, byte);
        if (next < 0) {
            next = static_cast<int>(nodes_.size());
            nodes_[node].children.emplace_back(byte, next);
            nodes_.emplace_back();
        }
        node = next;
    }
    nodes_[node].id = id;
    first_byte_[static_cast<unsigned char>(content[0])] = true;
}

bool AddedTokenMatcher::find(std::string_view text, std::size_t from, Match& match) const {
    for (std::size_t i = from; i < text.size(); ++i) {
        if (!first_byte_[static_cast<unsigned char>(text[i])]) continue;
        int node = 0;
        TokenId best = -1;
        std::size_t best_length = 0;
        for (std::size_t j = i; j < text.size(); ++j) {
            node = child(node, static_cast<unsigned char>(text[j]));
            if (node < 0) break;
            if (nodes_[node].id >= 0) {
                best = nodes_[node].id;
                best_length = j - i + 1;
            }
        }
        if (best >= 0) {
            match = Match{i, best_length, best};
            return true;
        }
    }
    return false;
}

}  // namespace fathom::tokenizer
