// User text must never turn into the model's control tokens: "<｜Assistant｜>" or "</think>" typed in a
// message would otherwise end the user's turn in the prompt. These helpers find the checkpoint's added
// tokens and break them up in prompt text (the stored message keeps what the user typed).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace fathom::app {

// The "content" of every entry of "added_tokens" in tokenizer.json. Throws fathom::Error naming the file.
std::vector<std::string> readControlTexts(const std::filesystem::path& tokenizerJson);

// Returns `text` with a zero-width space (U+200B) after the first character of every occurrence of a
// control text, so the tokenizer reads it as ordinary characters; `changed` says whether any was found.
std::string neutralizeControlText(const std::string& text, const std::vector<std::string>& controlTexts,
                                  bool* changed = nullptr);

}  // namespace fathom::app
