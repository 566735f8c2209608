// The chat format against every case of shared/fixtures/chat-encoding, byte for byte, plus the mode
// mapping, the prompt's ids, DSML rendering/parsing round trips and errors on bad conversations.
#include "../../support/unit.hpp"

#include "fathom/chat_format.hpp"
#include "fathom/error.hpp"

#include <fstream>
#include <iterator>

namespace {

namespace fs = std::filesystem;
using fathom::chat::Mode;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

fs::path cases_dir() { return unit::shared_dir() / "fixtures/chat-encoding"; }

std::size_t first_difference(const std::string& a, const std::string& b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return i;
}

}  // namespace

TEST("every chat-encoding case renders byte for byte") {
    int cases = 0;
    for (const auto& entry : fs::directory_iterator(cases_dir())) {
        if (entry.path().extension() != ".json") continue;
        ++cases;
        const auto expected_path = fs::path(entry.path()).replace_extension(".txt");
        const std::string expected = read_file(expected_path);
        const auto conversation =
            fathom::chat::conversation_from_json(read_file(entry.path()), entry.path().string());
        const std::string got = fathom::chat::render_prompt(conversation);
        if (got != expected) {
            const auto at = first_difference(got, expected);
            unit::report(__FILE__, __LINE__,
                         entry.path().filename().string() + ": differs at byte " + std::to_string(at) +
                             "\n    expected: ..." + expected.substr(at > 20 ? at - 20 : 0, 80) +
                             "\n    rendered: ..." + got.substr(at > 20 ? at - 20 : 0, 80));
        }
    }
    CHECK(cases >= 5);
}

TEST("modes map from thinking_mode and reasoning_effort") {
    auto mode_of = [](const char* name) {
        return fathom::chat::conversation_from_json(read_file(cases_dir() / name), name).mode;
    };
    CHECK(mode_of("case-standard.json") == Mode::standard);
    CHECK(mode_of("case-think-max.json") == Mode::think_max);
    CHECK(mode_of("case2.json") == Mode::think);
    CHECK(fathom::chat::parse_mode("think-max") == Mode::think_max);
    CHECK_EQ(std::string(fathom::chat::mode_name(Mode::think)), std::string("think"));
    CHECK(!fathom::chat::parse_mode("turbo").has_value());
    CHECK_THROWS_WITH(fathom::chat::conversation_from_json(
                          R"({"thinking_mode": "thinking", "reasoning_effort": "high", "messages": []})", "x"),
                      "reasoning_effort");
}

TEST("the same conversation in each mode ends with the right generation prefix") {
    fathom::chat::Conversation c;
    c.messages = {{"system", "S", {}, {}, {}, {}}, {"user", "U", {}, {}, {}, {}}};
    c.mode = Mode::standard;
    CHECK_EQ(fathom::chat::render_prompt(c), std::string("<｜begin▁of▁sentence｜>S<｜User｜>U<｜Assistant｜></think>"));
    c.mode = Mode::think;
    CHECK_EQ(fathom::chat::render_prompt(c), std::string("<｜begin▁of▁sentence｜>S<｜User｜>U<｜Assistant｜><think>"));
    c.mode = Mode::think_max;
    const auto max = fathom::chat::render_prompt(c);
    CHECK(max.rfind("<｜begin▁of▁sentence｜>Reasoning Effort: Absolute maximum", 0) == 0);
    CHECK(max.size() > 4 && max.substr(max.size() - 7) == "<think>");
}

TEST("prompt ids: special tokens become their single ids") {
    const auto tokenizer =
        fathom::Tokenizer::load(unit::shared_dir() / "fixtures/tokenizer-v4/tokenizer.json");
    const auto conversation = fathom::chat::conversation_from_json(read_file(cases_dir() / "case1.json"), "case1");
    const auto ids = fathom::chat::encode_prompt(conversation, tokenizer);
    CHECK(!ids.empty() && ids[0] == 0);
    int users = 0, assistants = 0, think = 0, end_think = 0, dsml = 0, eos = 0;
    for (auto id : ids) {
        users += id == 128803;
        assistants += id == 128804;
        think += id == 128821;
        end_think += id == 128822;
        dsml += id == 128825;
        eos += id == 1;
    }
    // Each marker in the text is exactly one id (the tools section mentions <think> and </think> too).
    const std::string text = read_file(cases_dir() / "case1.txt");
    auto count = [&](const std::string& s) {
        int n = 0;
        for (auto at = text.find(s); at != std::string::npos; at = text.find(s, at + 1)) ++n;
        return n;
    };
    CHECK_EQ(users, count("<｜User｜>"));
    CHECK_EQ(assistants, count("<｜Assistant｜>"));
    CHECK_EQ(think, count("<think>"));
    CHECK_EQ(end_think, count("</think>"));
    CHECK_EQ(dsml, count("｜DSML｜"));
    CHECK_EQ(eos, count("<｜end▁of▁sentence｜>"));
    CHECK_EQ(users, 2);
    CHECK_EQ(eos, 2);
    CHECK_EQ(tokenizer.decode(ids), fathom::chat::render_prompt(conversation));
}

TEST("DSML: rendered calls parse back to the same calls") {
    std::vector<fathom::chat::ToolCall> calls = {
        {"a", "get_weather", R"({"location": "Beijing", "unit": "celsius"})", ""},
        {"b", "open", R"({"open_list": [{"id": 3, "view_source": false}], "note": "多行\n文本", "n": -1.5})", ""}};
    const std::string block = fathom::chat::render_dsml_tool_calls(calls);
    CHECK(block.find("<｜DSML｜parameter name=\"open_list\" string=\"false\">[{\"id\": 3, \"view_source\": false}]") !=
          std::string::npos);
    const std::string open = "<｜DSML｜tool_calls>", close = "</｜DSML｜tool_calls>";
    const auto parsed = fathom::chat::parse_dsml_tool_calls(
        std::string_view(block).substr(open.size(), block.size() - open.size() - close.size()));
    CHECK_EQ(parsed.size(), 2u);
    for (std::size_t i = 0; i < parsed.size() && i < calls.size(); ++i) {
        CHECK_EQ(parsed[i].name, calls[i].name);
        CHECK_EQ(parsed[i].arguments, calls[i].arguments);
        CHECK_EQ(parsed[i].error, std::string());
    }
}

TEST("DSML: malformed blocks give calls with errors, never throw") {
    auto calls = fathom::chat::parse_dsml_tool_calls("\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"x\" "
                                                     "string=\"false\">not json</｜DSML｜parameter>\n</｜DSML｜invoke>\n");
    CHECK_EQ(calls.size(), 1u);
    if (!calls.empty()) {
        CHECK_EQ(calls[0].name, std::string("f"));
        CHECK(calls[0].error.find("not JSON") != std::string::npos);
    }
    calls = fathom::chat::parse_dsml_tool_calls("garbage");
    CHECK_EQ(calls.size(), 1u);
    if (!calls.empty()) CHECK(calls[0].error.find("expected") == 0);
}

TEST("bad conversations are errors with context") {
    fathom::chat::Conversation c;
    c.messages = {{"wizard", "x", {}, {}, {}, {}}};
    CHECK_THROWS_WITH(fathom::chat::render_prompt(c), "unknown role \"wizard\"");
    c.messages = {{"system", "x", {}, {}, "{not json", {}}};
    CHECK_THROWS_WITH(fathom::chat::render_prompt(c), "messages[0].tools");
    c.messages = {{"assistant", "x", {}, {{"", "f", "[1]", ""}}, {}, {}}};
    CHECK_THROWS_WITH(fathom::chat::render_prompt(c), "must be a JSON object");
    CHECK_THROWS_WITH(fathom::chat::conversation_from_json("{", "case.json"), "case.json: not valid JSON");
    CHECK_THROWS_WITH(fathom::chat::conversation_from_json(R"({"messages": [{"content": "x"}]})", "c.json"),
                      "messages[0]: role missing");
}

UNIT_MAIN()
