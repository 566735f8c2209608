// The streaming splitter: reasoning vs answer in each mode, cut-off replies, DSML tool calls, and the same
// result however the reply is chunked (byte by byte, token by token, all at once).
#include "../../support/unit.hpp"

#include "fathom/chat_format.hpp"

namespace {

using fathom::chat::Mode;
using fathom::chat::OutputSplitter;

const fathom::Tokenizer& v4() {
    static const fathom::Tokenizer t =
        fathom::Tokenizer::load(unit::shared_dir() / "fixtures/tokenizer-v4/tokenizer.json");
    return t;
}

struct Result {
    std::string reasoning, answer;
    std::vector<fathom::chat::ToolCall> calls;
    bool has_answer = false, ended = false;
};

// Feeds `reply` in pieces of `chunk` bytes and checks the deltas add up to the totals.
Result split(Mode mode, const std::string& reply, std::size_t chunk) {
    OutputSplitter s(mode);
    Result r;
    auto take = [&](const fathom::chat::OutputDelta& d) {
        r.reasoning += d.reasoning;
        r.answer += d.answer;
        r.calls.insert(r.calls.end(), d.tool_calls.begin(), d.tool_calls.end());
    };
    for (std::size_t i = 0; i < reply.size(); i += chunk) take(s.feed(std::string_view(reply).substr(i, chunk)));
    r.has_answer = s.has_answer();  // before finish(): what a viewer sees mid-stream
    take(s.finish());
    r.ended = s.ended();
    CHECK_EQ(r.reasoning, s.reasoning());
    CHECK_EQ(r.answer, s.answer());
    CHECK_EQ(r.calls.size(), s.tool_calls().size());
    return r;
}

const std::string kToolReply =
    "The user wants the weather.</think>\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"get_weather\">\n"
    "<｜DSML｜parameter name=\"location\" string=\"true\">Beijing</｜DSML｜parameter>\n"
    "<｜DSML｜parameter name=\"days\" string=\"false\">3</｜DSML｜parameter>\n</｜DSML｜invoke>\n"
    "</｜DSML｜tool_calls><｜end▁of▁sentence｜>";

}  // namespace

TEST("think mode: text before </think> is reasoning, the rest is answer, at any chunking") {
    const std::string reply = "Let me think: 2+2 is 4.</think>The answer is 4.<｜end▁of▁sentence｜>";
    for (std::size_t chunk : {1, 2, 3, 7, 1000}) {
        const auto r = split(Mode::think, reply, chunk);
        CHECK_EQ(r.reasoning, std::string("Let me think: 2+2 is 4."));
        CHECK_EQ(r.answer, std::string("The answer is 4."));
        CHECK(r.ended);
        CHECK(r.calls.empty());
    }
}

TEST("a reply cut off inside reasoning has no answer yet") {
    const auto r = split(Mode::think_max, "Still thinking about </thi", 4);
    CHECK(!r.has_answer);
    CHECK_EQ(r.answer, std::string());
    CHECK_EQ(r.reasoning, std::string("Still thinking about </thi"));  // released by finish()
    CHECK(!r.ended);
    OutputSplitter s(Mode::think);
    const auto d = s.feed("abc</th");
    CHECK_EQ(d.reasoning, std::string("abc"));  // "</th" may become </think>: held back
    CHECK(s.in_reasoning());
    const auto d2 = s.feed("ink>x");
    CHECK_EQ(d2.reasoning, std::string());
    CHECK_EQ(d2.answer, std::string("x"));
    CHECK(s.has_answer());
}

TEST("standard mode: everything is answer; text after the end of sentence is ignored") {
    const auto r = split(Mode::standard, "Hello <b>there</b>!<｜end▁of▁sentence｜>ignored", 3);
    CHECK_EQ(r.answer, std::string("Hello <b>there</b>!"));
    CHECK_EQ(r.reasoning, std::string());
    CHECK(r.ended);
}

TEST("DSML tool calls become structured calls, at any chunking") {
    for (std::size_t chunk : {1, 5, 13, 10000}) {
        const auto r = split(Mode::think, kToolReply, chunk);
        CHECK_EQ(r.reasoning, std::string("The user wants the weather."));
        CHECK_EQ(r.answer, std::string("\n\n"));
        CHECK_EQ(r.calls.size(), 1u);
        if (r.calls.size() == 1) {
            CHECK_EQ(r.calls[0].name, std::string("get_weather"));
            CHECK_EQ(r.calls[0].arguments, std::string(R"({"location": "Beijing", "days": 3})"));
            CHECK_EQ(r.calls[0].error, std::string());
        }
        CHECK(r.ended);
    }
}

TEST("token by token, with characters split across tokens") {
    const std::string reply = "思考一下 👨‍👩‍👧 ok</think>答案是四。" + kToolReply.substr(kToolReply.find("\n\n"));
    const auto ids = v4().encode(reply);
    OutputSplitter s(Mode::think);
    std::string answer_stream;
    for (auto id : ids) {
        const auto d = s.feed_tokens(std::span<const fathom::TokenId>(&id, 1), v4());
        answer_stream += d.answer;
        // Deltas never end inside a UTF-8 character.
        for (const std::string* part : {&d.reasoning, &d.answer})
            if (!part->empty()) CHECK((static_cast<unsigned char>(part->back()) & 0xC0) != 0xC0);
    }
    s.finish();
    CHECK_EQ(s.reasoning(), std::string("思考一下 👨‍👩‍👧 ok"));
    CHECK_EQ(s.answer(), std::string("答案是四。\n\n"));
    CHECK_EQ(answer_stream, s.answer());
    CHECK_EQ(s.tool_calls().size(), 1u);
    CHECK(s.ended());
}

TEST("a reply cut off inside a tool block gives a call with an error") {
    const std::string cut = kToolReply.substr(0, kToolReply.find("Beijing"));
    const auto r = split(Mode::think, cut, 6);
    CHECK_EQ(r.calls.size(), 1u);
    if (!r.calls.empty()) {
        CHECK_EQ(r.calls[0].name, std::string("get_weather"));
        CHECK(!r.calls[0].error.empty());
    }
    CHECK(!r.ended);
}

UNIT_MAIN()
