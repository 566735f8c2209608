// fathom::Tokenizer: the checkpoint's byte-level BPE tokenizer (tokenizer.json), encode and decode.
// Its ids match Hugging Face / transformers.js on the same file; tests/reference/tokenizers checks that.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fathom {

using TokenId = int32_t;

// Input is a byte string, normally UTF-8. Invalid UTF-8 is not replaced: each byte that is not part of a
// well-formed sequence is pre-tokenized like an unassigned character (in no \p{..} class, not \s) and then
// encoded as its own byte token(s), which byte-level BPE can always do. So encode never fails on text, and
// decode(encode(x)) == x for every byte string x, valid UTF-8 or not.
//
// Added tokens (the special tokens and the others of "added_tokens") are found inside the text before
// pre-tokenization, leftmost-longest, as HF does: "<｜User｜>" in a string becomes id 128803. Text that must
// not be read as control tokens (user input in a chat) has to be checked by the caller.
class Tokenizer {
public:
    // Loads tokenizer.json. Throws fathom::Error (naming the file and the field) when it cannot be read or
    // asks for something this implementation does not do (another model type, another pre-tokenizer).
    static Tokenizer load(const std::filesystem::path& tokenizer_json);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    // Thread-safe (const, no shared mutable state).
    std::vector<TokenId> encode(std::string_view text) const;
    // Concatenated bytes of the tokens; throws fathom::Error for an id outside the vocabulary.
    std::string decode(std::span<const TokenId> ids) const;
    // The bytes of one token (an added token's text, or a BPE token's raw bytes, maybe a partial UTF-8 char).
    const std::string& token_bytes(TokenId id) const;

    // The id of an added token by its exact text ("<｜end▁of▁sentence｜>"), if there is one.
    std::optional<TokenId> added_token_id(std::string_view content) const;
    // Ids 0 .. vocab_size()-1 are valid (BPE vocabulary and added tokens together).
    std::size_t vocab_size() const;

private:
    struct Impl;
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace fathom
