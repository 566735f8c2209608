// Loading the vocabulary and merges into byte strings and id pairs, and the heap-driven merge loop, which
// stays O(n log n) on long pieces (a 100 kB whitespace run is one piece).
#include "tokenizer/bpe_model.hpp"

#include "fathom/error.hpp"
#include "tokenizer/byte_level.hpp"

#include <queue>

namespace fathom::tokenizer {

BpeModel BpeModel::from_json(const nlohmann::json& model, const std::string& where) {
    if (!model.is_object() || model.value("type", "") != "BPE")
        throw Error(where + ": model.type must be \"BPE\"");
    if (model.contains("byte_fallback") && model["byte_fallback"].is_boolean() && model["byte_fallback"].get<bool>())
        throw Error(where + ": model.byte_fallback is not supported (byte-level vocabularies do not need it)");
    for (const char* field : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (model.contains(field) && !model[field].is_null() && !model[field].get<std::string>().empty())
            throw Error(where + ": model." + field + " is not supported");
    if (!model.contains("vocab") || !model["vocab"].is_object()) throw Error(where + ": model.vocab missing");
    if (!model.contains("merges") || !model["merges"].is_array()) throw Error(where + ": model.merges missing");

    BpeModel bpe;
    std::unordered_map<std::string, TokenId> bytes_to_id;
    bytes_to_id.reserve(model["vocab"].size() * 2);
    for (const auto& [text, id_json] : model["vocab"].items()) {
        const auto id = id_json.get<TokenId>();
        // Entries outside the byte alphabet (special tokens listed in the vocabulary) are only added tokens.
        if (auto bytes = chars_to_bytes(text)) {
            bytes_to_id.emplace(*bytes, id);
            bpe.id_to_bytes_.emplace(id, std::move(*bytes));
        } else {
            bpe.id_to_bytes_.emplace(id, text);
        }
    }
    for (int b = 0; b < 256; ++b) {
        const auto it = bytes_to_id.find(std::string(1, static_cast<char>(b)));
        if (it == bytes_to_id.end())
            throw Error(where + ": the vocabulary lacks the token of byte " + std::to_string(b) +
                        " (\"" + byte_to_char(static_cast<unsigned char>(b)) + "\"), so it is not byte-level");
        bpe.byte_token_[b] = it->second;
    }

    const auto& merges = model["merges"];
    bpe.merges_.reserve(merges.size() * 2);
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& m = merges[rank];
        std::string left, right;
        if (m.is_string()) {
            const auto& s = m.get_ref<const std::string&>();
            const auto space = s.find(' ');
            if (space == std::string::npos)
                throw Error(where + ": merges[" + std::to_string(rank) + "] \"" + s + "\" is not \"left right\"");
            left = s.substr(0, space);
            right = s.substr(space + 1);
        } else if (m.is_array() && m.size() == 2) {
            left = m[0].get<std::string>();
            right = m[1].get<std::string>();
        } else {
            throw Error(where + ": merges[" + std::to_string(rank) + "] must be \"a b\" or [\"a\", \"b\"]");
        }
        const auto lb = chars_to_bytes(left), rb = chars_to_bytes(right);
        if (!lb || !rb) throw Error(where + ": merges[" + std::to_string(rank) + "] is outside the byte alphabet");
        const auto li = bytes_to_id.find(*lb), ri = bytes_to_id.find(*rb), mi = bytes_to_id.find(*lb + *rb);
        if (li == bytes_to_id.end() || ri == bytes_to_id.end() || mi == bytes_to_id.end())
            throw Error(where + ": merges[" + std::to_string(rank) + "] \"" + left + " " + right +
                        "\" names a token missing from the vocabulary");
        // The first (lowest) rank wins when a pair is listed twice, as in HF.
        bpe.merges_.emplace(pair_key(li->second, ri->second), Merge{static_cast<uint32_t>(rank), mi->second});
    }
    return bpe;
}

void BpeModel::encode_piece(std::string_view bytes, std::vector<TokenId>& out) const {
    const std::size_t n = bytes.size();
    if (n == 0) return;
    struct Symbol {
        TokenId id;
        int prev;
        int next;
    };
    std::vector<Symbol> symbols(n);
    for (std::size_t i = 0; i < n; ++i)
        symbols[i] = Symbol{byte_token_[static_cast<unsigned char>(bytes[i])], static_cast<int>(i) - 1,
                            i + 1 < n ? static_cast<int>(i + 1) : -1};
    if (n == 1) {
        out.push_back(symbols[0].id);
        return;
    }
    struct Candidate {
        uint32_t rank;
        int left;  // position of the left symbol (its original byte index: the tie-break)
        TokenId left_id;
        TokenId right_id;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    auto consider = [&](int left) {
        const int right = symbols[left].next;
        if (right < 0) return;
        const auto it = merges_.find(pair_key(symbols[left].id, symbols[right].id));
        if (it != merges_.end()) queue.push(Candidate{it->second.rank, left, symbols[left].id, symbols[right].id});
    };
    for (int i = 0; i + 1 < static_cast<int>(n); ++i) consider(i);
    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol& left = symbols[c.left];
        // Stale entries: a symbol only ever grows, so unchanged ids mean the pair is still there.
        if (left.id != c.left_id || left.next < 0 || symbols[left.next].id != c.right_id) continue;
        const Symbol right = symbols[left.next];
        left.id = merges_.at(pair_key(c.left_id, c.right_id)).merged;
        symbols[left.next].id = -1;
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = c.left;
        if (left.prev >= 0) consider(left.prev);
        consider(c.left);
    }
    for (int i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

}  // namespace fathom::tokenizer
