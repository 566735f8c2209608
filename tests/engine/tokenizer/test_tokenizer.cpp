// The tokenizer on the V4 tokenizer.json: the fixed ids of the spec, added tokens found inside text, the
// round trip on valid UTF-8 and on arbitrary bytes, and clear errors for bad files and ids.
#include "../../support/unit.hpp"

#include "fathom/error.hpp"
#include "fathom/tokenizer.hpp"

#include <fstream>
#include <random>

namespace {

const fathom::Tokenizer& v4() {
    static const fathom::Tokenizer t =
        fathom::Tokenizer::load(unit::shared_dir() / "fixtures/tokenizer-v4/tokenizer.json");
    return t;
}

std::string ids_text(const std::vector<fathom::TokenId>& ids) {
    std::string s;
    for (auto id : ids) s += std::to_string(id) + " ";
    return s;
}

}  // namespace

TEST("fixed ids of the spec, as added tokens and encoded alone") {
    const std::pair<const char*, fathom::TokenId> fixed[] = {
        {"<｜begin▁of▁sentence｜>", 0}, {"<｜end▁of▁sentence｜>", 1}, {"<｜User｜>", 128803},
        {"<｜Assistant｜>", 128804},   {"<think>", 128821},           {"</think>", 128822},
        {"｜DSML｜", 128825},         {"<｜latest_reminder｜>", 128828}};
    for (const auto& [text, id] : fixed) {
        CHECK(v4().added_token_id(text) == id);
        const auto ids = v4().encode(text);
        CHECK_EQ(ids.size(), 1u);
        if (!ids.empty()) CHECK_EQ(ids[0], id);
        CHECK_EQ(v4().token_bytes(id), std::string(text));
    }
    CHECK(!v4().added_token_id("<｜nope｜>").has_value());
}

TEST("added tokens are matched inside text, leftmost-longest") {
    const auto ids = v4().encode("Hi<｜User｜>x<think>y</think>z<｜end▁of▁sentence｜>");
    const std::vector<fathom::TokenId> specials = {128803, 128821, 128822, 1};
    std::vector<fathom::TokenId> seen;
    for (auto id : ids)
        if (id >= 128000 || id <= 1) seen.push_back(id);
    CHECK_EQ(ids_text(seen), ids_text(specials));
    // "<｜DSML｜" is not a token, "｜DSML｜" is: the longest match starting earliest wins.
    const auto dsml = v4().encode("<｜DSML｜tool_calls>");
    bool has_dsml = false;
    for (auto id : dsml) has_dsml |= id == 128825;
    CHECK(has_dsml);
}

TEST("known encodings") {
    CHECK_EQ(ids_text(v4().encode("Hello world")), std::string("19923 2058 "));
    CHECK_EQ(ids_text(v4().encode("")), std::string(""));
}

TEST("decode(encode(x)) == x for valid UTF-8") {
    const std::string samples[] = {
        "The quick brown fox\n\n\tjumps  over   12345678 lazy dogs.",
        "你好，世界！ひらがなカタカナ 한국어 Русский العربية",
        "👨‍👩‍👧‍👦 🏳️‍🌈 e\u0301 \u00a0\u3000 <｜User｜>x</think>",
        "def f(x):\n    return x ** 2  # comment\r\n",
    };
    for (const auto& s : samples) CHECK_EQ(v4().decode(v4().encode(s)), s);
}

TEST("invalid UTF-8 is encoded byte by byte and decodes back exactly") {
    const std::string broken[] = {
        std::string("abc\xff\xfe def"),
        std::string("\xe4\xbd"),                    // a CJK character cut short
        std::string("x\xc0\xaf y"),                 // overlong slash
        std::string("\xed\xa0\x80 surrogate"),      // UTF-16 surrogate written as UTF-8
        std::string("\xf4\x90\x80\x80 too large"),  // past U+10FFFF
        std::string("\x80\x80\x80 lone continuation bytes"),
    };
    for (const auto& s : broken) {
        const auto ids = v4().encode(s);
        CHECK(!ids.empty());
        CHECK_EQ(v4().decode(ids), s);
    }
    std::mt19937 rng(7);
    for (int n = 0; n < 200; ++n) {
        std::string s(rng() % 64, '\0');
        for (auto& c : s) c = static_cast<char>(rng());
        CHECK_EQ(v4().decode(v4().encode(s)), s);
    }
}

TEST("long pieces stay exact (heap merge path)") {
    const std::string spaces(20000, ' ');
    CHECK_EQ(v4().decode(v4().encode(spaces)), spaces);
    std::string word;
    for (int i = 0; i < 5000; ++i) word += "ab";
    CHECK_EQ(v4().decode(v4().encode(word)), word);
}

TEST("bad ids and bad files give fathom::Error with context") {
    CHECK_THROWS_WITH(v4().token_bytes(-1), "outside the vocabulary");
    CHECK_THROWS_WITH(v4().token_bytes(static_cast<fathom::TokenId>(v4().vocab_size())), "outside the vocabulary");
    CHECK_THROWS_WITH(fathom::Tokenizer::load("/nonexistent/tokenizer.json"), "cannot open");
    const auto bad = std::filesystem::temp_directory_path() / "fathom-bad-tokenizer.json";
    std::ofstream(bad) << "{\"model\": {\"type\": \"Unigram\"}, \"pre_tokenizer\": null}";
    CHECK_THROWS_WITH(fathom::Tokenizer::load(bad), "pre_tokenizer");
    std::ofstream(bad) << "not json";
    CHECK_THROWS_WITH(fathom::Tokenizer::load(bad), "not valid JSON");
}

UNIT_MAIN()
