// Rendering a conversation to the V4 prompt text: the rules of shared/spec/chat-format.md, with the exact
// wording of the fixed blocks (think-max instruction, tools section) taken from the fixture cases.
#include "fathom/chat_format.hpp"

#include "fathom/error.hpp"
#include "tokenizer/python_json.hpp"

#include <nlohmann/json.hpp>

namespace fathom::chat {

namespace {

constexpr std::string_view kBos = "<｜begin▁of▁sentence｜>";
constexpr std::string_view kEos = "<｜end▁of▁sentence｜>";
constexpr std::string_view kUser = "<｜User｜>";
constexpr std::string_view kAssistant = "<｜Assistant｜>";
constexpr std::string_view kLatestReminder = "<｜latest_reminder｜>";
constexpr std::string_view kThinkStart = "<think>";
constexpr std::string_view kThinkEnd = "</think>";

constexpr std::string_view kMaxEffortPreamble =
    "Reasoning Effort: Absolute maximum with no shortcuts permitted.\n"
    "You MUST be very thorough in your thinking and comprehensively decompose the problem to resolve the root "
    "cause, rigorously stress-testing your logic against all potential paths, edge cases, and adversarial "
    "scenarios.\n"
    "Explicitly write out your entire deliberation process, documenting every intermediate step, considered "
    "alternative, and rejected hypothesis to ensure absolutely no assumption is left unchecked.\n\n";

constexpr std::string_view kToolsIntro =
    "\n\n## Tools\n\n"
    "You have access to a set of tools to help answer the user's question. You can invoke tools by writing a "
    "\"<｜DSML｜tool_calls>\" block like the following:\n\n"
    "<｜DSML｜tool_calls>\n"
    "<｜DSML｜invoke name=\"$TOOL_NAME\">\n"
    "<｜DSML｜parameter name=\"$PARAMETER_NAME\" string=\"true|false\">$PARAMETER_VALUE</｜DSML｜parameter>\n"
    "...\n"
    "</｜DSML｜invoke>\n"
    "<｜DSML｜invoke name=\"$TOOL_NAME2\">\n"
    "...\n"
    "</｜DSML｜invoke>\n"
    "</｜DSML｜tool_calls>\n\n"
    "String parameters should be specified as is and set `string=\"true\"`. For all other types (numbers, "
    "booleans, arrays, objects), pass the value in JSON format and set `string=\"false\"`.\n\n"
    "If thinking_mode is enabled (triggered by <think>), you MUST output your complete reasoning inside "
    "<think>...</think> BEFORE any tool calls or final response.\n\n"
    "Otherwise, output directly after </think> with tool calls or final response.\n\n"
    "### Available Tool Schemas\n\n";

constexpr std::string_view kToolsOutro =
    "\n\nYou MUST strictly follow the above defined tool name and parameter schemas to invoke tool calls.\n";

bool has_tools(const Message& m) {
    return !m.tools.empty() && m.tools != "[]" && m.tools != "null";
}

// The "## Tools" section a message carrying tool definitions appends to its content.
std::string tools_section(const Message& m, std::size_t index) {
    if (!has_tools(m)) return {};
    nlohmann::ordered_json tools;
    try {
        tools = nlohmann::ordered_json::parse(m.tools);
    } catch (const nlohmann::json::exception& e) {
        throw Error("messages[" + std::to_string(index) + "].tools: not valid JSON (" + e.what() + ")");
    }
    if (!tools.is_array()) throw Error("messages[" + std::to_string(index) + "].tools: expected a JSON array");
    std::string out(kToolsIntro);
    for (std::size_t t = 0; t < tools.size(); ++t) {
        const auto& tool = tools[t];
        // OpenAI's {"type": "function", "function": {...}}; the schema line is the inner object.
        const auto& schema = tool.is_object() && tool.contains("function") ? tool["function"] : tool;
        if (!schema.is_object() || !schema.contains("name"))
            throw Error("messages[" + std::to_string(index) + "].tools[" + std::to_string(t) +
                        "]: expected a function with a name");
        if (t) out += '\n';
        out += tokenizer::python_json_dumps(schema);
    }
    out += kToolsOutro;
    return out;
}

bool opens_turn(const std::string& role) { return role == "user" || role == "developer"; }

}  // namespace

std::string_view mode_name(Mode mode) {
    switch (mode) {
        case Mode::standard: return "standard";
        case Mode::think: return "think";
        case Mode::think_max: return "think-max";
    }
    return "standard";
}

std::optional<Mode> parse_mode(std::string_view name) {
    if (name == "standard") return Mode::standard;
    if (name == "think") return Mode::think;
    if (name == "think-max") return Mode::think_max;
    return std::nullopt;
}

std::string render_prompt(const Conversation& conversation) {
    const auto& messages = conversation.messages;
    const bool thinking = conversation.mode != Mode::standard;
    bool any_tools = false;
    std::size_t last_user = 0;
    bool seen_user = false;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        any_tools |= has_tools(messages[i]);
        if (opens_turn(messages[i].role)) {
            last_user = i;
            seen_user = true;
        }
    }

    std::string out(kBos);
    if (conversation.mode == Mode::think_max) out += kMaxEffortPreamble;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const Message& m = messages[i];
        const std::string& previous = i ? messages[i - 1].role : std::string();
        const std::string& next = i + 1 < messages.size() ? messages[i + 1].role : std::string();
        if (m.role == "system") {
            out += m.content + tools_section(m, i);
        } else if (m.role == "latest_reminder") {
            out += std::string(kLatestReminder) + m.content;
        } else if (opens_turn(m.role)) {
            out += std::string(kUser) + m.content + tools_section(m, i) + std::string(kAssistant);
        } else if (m.role == "tool") {
            // Results of one round of calls share a single user turn.
            if (previous != "tool") out += kUser;
            out += "<tool_result>" + m.content + "</tool_result>";
            if (next != "tool") out += kAssistant;
        } else if (m.role == "assistant") {
            if (!opens_turn(previous) && previous != "tool") out += kAssistant;
            const bool keep_reasoning = thinking && (any_tools || !seen_user || i > last_user);
            if (keep_reasoning)
                out += std::string(kThinkStart) + m.reasoning_content.value_or("") + std::string(kThinkEnd);
            else
                out += kThinkEnd;
            out += m.content;
            if (!m.tool_calls.empty()) out += "\n\n" + render_dsml_tool_calls(m.tool_calls);
            out += kEos;
        } else {
            throw Error("messages[" + std::to_string(i) + "]: unknown role \"" + m.role +
                        "\" (expected system, user, assistant, tool, developer or latest_reminder)");
        }
    }
    if (!messages.empty()) {
        const std::string& last = messages.back().role;
        if (opens_turn(last) || last == "tool") out += thinking ? kThinkStart : kThinkEnd;
    }
    return out;
}

std::vector<TokenId> encode_prompt(const Conversation& conversation, const Tokenizer& tokenizer) {
    return tokenizer.encode(render_prompt(conversation));
}

}  // namespace fathom::chat
