// The BPE model on raw bytes: vocabulary, merge ranks, and the merge loop for one pre-tokenized piece.
// Merges are applied lowest rank first, leftmost first among equal ranks, as HF and transformers.js do.
#pragma once

#include "fathom/tokenizer.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fathom::tokenizer {

class BpeModel {
public:
    // Reads tokenizer.json's "model" section (type BPE, byte-level vocabulary, "a b" or ["a","b"] merges).
    static BpeModel from_json(const nlohmann::json& model, const std::string& where);

    void encode_piece(std::string_view bytes, std::vector<TokenId>& out) const;

    // Raw bytes of every vocabulary id (index = id); ids the vocabulary lacks are absent from the map.
    const std::unordered_map<TokenId, std::string>& id_to_bytes() const { return id_to_bytes_; }

private:
    struct Merge {
        uint32_t rank;
        TokenId merged;
    };
    static uint64_t pair_key(TokenId left, TokenId right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
    }

    std::array<TokenId, 256> byte_token_{};
    std::unordered_map<uint64_t, Merge> merges_;
    std::unordered_map<TokenId, std::string> id_to_bytes_;
};

}  // namespace fathom::tokenizer
