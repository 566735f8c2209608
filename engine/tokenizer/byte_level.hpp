// GPT-2's byte-to-character map that byte-level BPE vocabularies are written in ("Ġ" is the space byte).
// The engine works on raw bytes; this map only translates the vocabulary and merges when loading.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fathom::tokenizer {

// The UTF-8 text of the character that stands for byte b.
const std::string& byte_to_char(unsigned char b);

// Translates a vocabulary string back to raw bytes; nullopt when it holds a character outside the map
// (e.g. a special token written literally into the vocabulary).
std::optional<std::string> chars_to_bytes(std::string_view vocab_text);

}  // namespace fathom::tokenizer
