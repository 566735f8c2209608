// The V4 chat format (shared/spec/chat-format.md): a conversation and a reasoning mode render to the exact
// prompt text and ids; OutputSplitter turns generated text back into reasoning, answer and tool calls.
#pragma once

#include "fathom/tokenizer.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::chat {

// standard: thinking_mode "chat"; think: "thinking"; think_max: "thinking" with reasoning_effort "max".
enum class Mode { standard, think, think_max };
std::string_view mode_name(Mode mode);                    // "standard", "think", "think-max"
std::optional<Mode> parse_mode(std::string_view name);    // the inverse

struct ToolCall {
    std::string id;         // the caller's id ("call_001"); not part of the prompt
    std::string name;
    std::string arguments;  // a JSON object, as text
    std::string error;      // parsed output only: why the DSML block was not well formed ("" when it was)
};

struct Message {
    std::string role;  // system, user, assistant, tool; also developer and latest_reminder (see the cases)
    std::string content;
    std::optional<std::string> reasoning_content;  // assistant turns
    std::vector<ToolCall> tool_calls;              // assistant turns
    std::string tools;                             // a JSON array of OpenAI function tools, "" for none
    std::string tool_call_id;                      // tool turns; not part of the prompt
};

struct Conversation {
    std::vector<Message> messages;
    Mode mode = Mode::standard;
};

// Prompt rules (chat-format.md and the fixtures): BOS, then each message; user, developer and tool turns
// end with <｜Assistant｜>; earlier assistant turns keep their reasoning only in think modes when the
// conversation has tools or they follow the last user/developer message; consecutive tool results share
// one user turn. A conversation that ends with a user, developer or tool turn gets the generation prefix
// (<think> or </think>). Throws fathom::Error for an unknown role or malformed tools / arguments JSON.
std::string render_prompt(const Conversation& conversation);
std::vector<TokenId> encode_prompt(const Conversation& conversation, const Tokenizer& tokenizer);

// Reads a conversation in the fixtures' JSON form ({thinking_mode, reasoning_effort, messages}); `where`
// names the source in errors.
Conversation conversation_from_json(std::string_view json_text, const std::string& where);

// What one feed() made known: text to append to the reasoning and to the answer, and finished tool calls.
struct OutputDelta {
    std::string reasoning;
    std::string answer;
    std::vector<ToolCall> tool_calls;
};

// Splits a reply as it streams. In think modes everything before </think> is reasoning (a reply cut off
// there has no answer yet); in standard mode all of it is answer. <｜DSML｜tool_calls> blocks in the answer
// become ToolCalls instead of answer text (the blank line the model writes before a block stays in the
// answer). Text that may be the start of a marker is held back until the next feed or finish().
// <｜end▁of▁sentence｜> ends the reply; anything after it is ignored.
class OutputSplitter {
public:
    explicit OutputSplitter(Mode mode);

    OutputDelta feed(std::string_view text);
    // Token ids are decoded here; bytes of a UTF-8 character split across tokens are held until complete.
    OutputDelta feed_tokens(std::span<const TokenId> ids, const Tokenizer& tokenizer);
    // The end of the stream: held text is released; an unclosed tool block becomes a call with an error.
    OutputDelta finish();

    bool in_reasoning() const { return state_ == State::reasoning; }
    bool has_answer() const { return state_ != State::reasoning; }
    bool ended() const { return state_ == State::ended; }  // <｜end▁of▁sentence｜> was seen

    // Everything so far (the sums of the deltas).
    const std::string& reasoning() const { return reasoning_; }
    const std::string& answer() const { return answer_; }
    const std::vector<ToolCall>& tool_calls() const { return tool_calls_; }

private:
    enum class State { reasoning, answer, tool_block, ended };
    void advance(OutputDelta& delta, bool at_end);
    void emit(OutputDelta& delta, std::string_view text);

    State state_;
    std::string pending_;       // text not yet given out (a possible marker prefix, or a tool block)
    std::string partial_utf8_;  // feed_tokens: the start of a character whose other bytes are still to come
    std::string reasoning_, answer_;
    std::vector<ToolCall> tool_calls_;
};

// Parses the inside of a <｜DSML｜tool_calls> block (without the outer markers) into calls; malformed parts
// give a call whose error says what was expected. Never throws.
std::vector<ToolCall> parse_dsml_tool_calls(std::string_view block);
// The <｜DSML｜tool_calls>...</｜DSML｜tool_calls> block of the prompt for these calls.
std::string render_dsml_tool_calls(const std::vector<ToolCall>& calls);

}  // namespace fathom::chat
