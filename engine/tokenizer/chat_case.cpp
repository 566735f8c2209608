// Reading a conversation from the fixtures' JSON (OpenAI-style messages plus thinking_mode and
// reasoning_effort), keeping the key order of tools and arguments, which the prompt prints verbatim.
#include "fathom/chat_format.hpp"

#include "fathom/error.hpp"
#include "tokenizer/python_json.hpp"

#include <nlohmann/json.hpp>

namespace fathom::chat {

namespace {

std::string text_field(const nlohmann::ordered_json& object, const char* key, const std::string& where) {
    if (!object.contains(key) || object[key].is_null()) return {};
    if (!object[key].is_string()) throw Error(where + "." + key + ": expected a string");
    return object[key].get<std::string>();
}

}  // namespace

Conversation conversation_from_json(std::string_view json_text, const std::string& where) {
    nlohmann::ordered_json doc;
    try {
        doc = nlohmann::ordered_json::parse(json_text);
    } catch (const nlohmann::json::exception& e) {
        throw Error(where + ": not valid JSON (" + e.what() + ")");
    }
    if (!doc.is_object()) throw Error(where + ": expected a JSON object");
    Conversation conversation;
    const std::string thinking_mode = text_field(doc, "thinking_mode", where);
    const std::string effort = text_field(doc, "reasoning_effort", where);
    if (thinking_mode == "chat" || thinking_mode.empty()) {
        conversation.mode = Mode::standard;
    } else if (thinking_mode == "thinking") {
        if (effort.empty()) conversation.mode = Mode::think;
        else if (effort == "max") conversation.mode = Mode::think_max;
        else throw Error(where + ": reasoning_effort \"" + effort + "\" is not supported (null or \"max\")");
    } else {
        throw Error(where + ": thinking_mode \"" + thinking_mode + "\" is not \"chat\" or \"thinking\"");
    }
    if (!doc.contains("messages") || !doc["messages"].is_array()) throw Error(where + ": expected a messages array");
    const auto& messages = doc["messages"];
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const std::string at = where + ": messages[" + std::to_string(i) + "]";
        const auto& m = messages[i];
        if (!m.is_object()) throw Error(at + ": expected an object");
        Message message;
        message.role = text_field(m, "role", at);
        if (message.role.empty()) throw Error(at + ": role missing");
        message.content = text_field(m, "content", at);
        if (m.contains("reasoning_content") && !m["reasoning_content"].is_null())
            message.reasoning_content = text_field(m, "reasoning_content", at);
        message.tool_call_id = text_field(m, "tool_call_id", at);
        if (m.contains("tools") && !m["tools"].is_null()) {
            if (!m["tools"].is_array()) throw Error(at + ".tools: expected an array");
            message.tools = m["tools"].dump();
        }
        if (m.contains("tool_calls") && !m["tool_calls"].is_null()) {
            if (!m["tool_calls"].is_array()) throw Error(at + ".tool_calls: expected an array");
            for (std::size_t c = 0; c < m["tool_calls"].size(); ++c) {
                const auto& call = m["tool_calls"][c];
                const std::string call_at = at + ".tool_calls[" + std::to_string(c) + "]";
                if (!call.is_object() || !call.contains("function") || !call["function"].is_object())
                    throw Error(call_at + ": expected {\"function\": {\"name\", \"arguments\"}}");
                const auto& function = call["function"];
                ToolCall tool_call;
                tool_call.id = text_field(call, "id", call_at);
                tool_call.name = text_field(function, "name", call_at + ".function");
                // OpenAI sends arguments as a JSON string; an object is accepted too.
                if (function.contains("arguments") && function["arguments"].is_object())
                    tool_call.arguments = tokenizer::python_json_dumps(function["arguments"]);
                else
                    tool_call.arguments = text_field(function, "arguments", call_at + ".function");
                message.tool_calls.push_back(std::move(tool_call));
            }
        }
        conversation.messages.push_back(std::move(message));
    }
    return conversation;
}

}  // namespace fathom::chat
