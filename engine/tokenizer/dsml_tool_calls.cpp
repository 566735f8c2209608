// DSML tool-call blocks both ways: rendering calls into the prompt, and reading the model's blocks back.
// Parameters are string="true" (the raw text) or string="false" (a JSON value), as the tools section says.
#include "fathom/chat_format.hpp"

#include "fathom/error.hpp"
#include "tokenizer/python_json.hpp"

#include <nlohmann/json.hpp>

namespace fathom::chat {

namespace {

constexpr std::string_view kInvokeOpen = "<｜DSML｜invoke name=\"";
constexpr std::string_view kInvokeClose = "</｜DSML｜invoke>";
constexpr std::string_view kParameterOpen = "<｜DSML｜parameter name=\"";
constexpr std::string_view kParameterClose = "</｜DSML｜parameter>";

// A cursor over the block with the few moves the grammar needs.
struct Reader {
    std::string_view text;
    std::size_t at = 0;

    void skip_space() {
        while (at < text.size() && (text[at] == ' ' || text[at] == '\n' || text[at] == '\r' || text[at] == '\t'))
            ++at;
    }
    bool take(std::string_view literal) {
        if (text.substr(at, literal.size()) != literal) return false;
        at += literal.size();
        return true;
    }
    bool until(std::string_view literal, std::string& out) {  // text up to literal, which is consumed
        const auto end = text.find(literal, at);
        if (end == std::string_view::npos) return false;
        out.assign(text.substr(at, end - at));
        at = end + literal.size();
        return true;
    }
    std::string context() const { return std::string(text.substr(at, 40)); }
};

}  // namespace

std::string render_dsml_tool_calls(const std::vector<ToolCall>& calls) {
    std::string out = "<｜DSML｜tool_calls>\n";
    for (std::size_t c = 0; c < calls.size(); ++c) {
        const ToolCall& call = calls[c];
        nlohmann::ordered_json arguments = nlohmann::ordered_json::object();
        if (!call.arguments.empty()) {
            try {
                arguments = nlohmann::ordered_json::parse(call.arguments);
            } catch (const nlohmann::json::exception& e) {
                throw Error("tool call \"" + call.name + "\": arguments are not valid JSON (" + e.what() + ")");
            }
        }
        if (!arguments.is_object()) throw Error("tool call \"" + call.name + "\": arguments must be a JSON object");
        if (c) out += '\n';
        out += std::string(kInvokeOpen) + call.name + "\">\n";
        bool first = true;
        for (const auto& [key, value] : arguments.items()) {
            if (!first) out += '\n';
            first = false;
            const bool is_string = value.is_string();
            out += std::string(kParameterOpen) + key + "\" string=\"" + (is_string ? "true" : "false") + "\">";
            out += is_string ? value.get<std::string>() : tokenizer::python_json_dumps(value);
            out += kParameterClose;
        }
        out += "\n" + std::string(kInvokeClose);
    }
    return out + "\n</｜DSML｜tool_calls>";
}

std::vector<ToolCall> parse_dsml_tool_calls(std::string_view block) {
    std::vector<ToolCall> calls;
    Reader r{block};
    for (;;) {
        r.skip_space();
        if (r.at >= block.size()) break;
        ToolCall call;
        if (!r.take(kInvokeOpen) || !r.until("\">", call.name)) {
            call.error = "expected <｜DSML｜invoke name=\"...\"> at \"" + r.context() + "\"";
            calls.push_back(std::move(call));
            break;
        }
        nlohmann::ordered_json arguments = nlohmann::ordered_json::object();
        for (;;) {
            r.skip_space();
            if (r.take(kInvokeClose)) break;
            std::string key, kind, value;
            if (!r.take(kParameterOpen) || !r.until("\" string=\"", key) || !r.until("\">", kind) ||
                !r.until(kParameterClose, value)) {
                call.error = "expected <｜DSML｜parameter name=\"...\" string=\"...\">...</｜DSML｜parameter> or "
                             "</｜DSML｜invoke> at \"" + r.context() + "\"";
                break;
            }
            if (kind == "true") {
                arguments[key] = value;
            } else if (kind == "false") {
                try {
                    arguments[key] = nlohmann::ordered_json::parse(value);
                } catch (const nlohmann::json::exception&) {
                    call.error = "parameter \"" + key + "\" is marked string=\"false\" but is not JSON: " + value;
                    arguments[key] = value;
                }
            } else {
                call.error = "parameter \"" + key + "\": string=\"" + kind + "\" is not true or false";
                arguments[key] = value;
            }
        }
        call.arguments = tokenizer::python_json_dumps(arguments);
        const bool broken = !call.error.empty() && call.error.rfind("expected", 0) == 0;
        calls.push_back(std::move(call));
        if (broken) break;  // the rest of the block cannot be located reliably
    }
    return calls;
}

}  // namespace fathom::chat
