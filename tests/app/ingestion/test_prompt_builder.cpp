// The prompt builder with the V4 tokenizer: page and file markers, numbered lines, citation instructions, and
// a token budget that is never exceeded and says what it left out.
#include "app/ingestion/prompt_builder.hpp"
#include "fathom/tokenizer.hpp"
#include "unit.hpp"

using namespace fathom::ingestion;

namespace {
const fathom::Tokenizer& tokenizer() {
    static const fathom::Tokenizer t =
        fathom::Tokenizer::load(unit::shared_dir() / "fixtures" / "tokenizer-v4" / "tokenizer.json");
    return t;
}

PromptDocument pdf(int64_t id, int pages) {
    PromptDocument d;
    d.document.id = id;
    d.document.kind = "pdf";
    d.document.title = "Paper \"V4\"";
    for (int i = 1; i <= pages; ++i) {
        fathom::storage::DocumentPage p;
        p.page_number = i;
        p.text = "Text of page " + std::to_string(i) + ". Compressed sparse attention keeps long contexts cheap.";
        d.parts.push_back(p);
    }
    return d;
}

PromptDocument repo(int64_t id) {
    PromptDocument d;
    d.document.id = id;
    d.document.kind = "repository";
    d.document.title = "fathom";
    d.treeSummary = "fathom/ (1 files read)\n  src/ (1 files)";
    fathom::storage::DocumentPage f;
    f.file_path = "src/foo.cpp";
    f.text = "#include <cstdio>\nint main() {\n    return 0;\n}\n";
    d.parts.push_back(f);
    return d;
}
}  // namespace

TEST("pages get [p. N] markers and files a header with numbered lines inside document tags") {
    const PromptBlock b = buildDocumentBlock({pdf(3, 2), repo(4)}, PromptBudget{100000, true}, tokenizer());
    CHECK(b.text.find("<document id=\"3\" kind=\"pdf\" title=\"Paper 'V4'\" pages=\"2\">\n[p. 1]\nText of page 1.") != std::string::npos);
    CHECK(b.text.find("[p. 2]\nText of page 2.") != std::string::npos);
    CHECK(b.text.find("=== file: src/foo.cpp ===\n1| #include <cstdio>\n2| int main() {\n3|     return 0;\n4| }\n</document>") != std::string::npos);
    CHECK(b.text.find("<file tree>\nfathom/ (1 files read)") != std::string::npos);
    CHECK(b.text.find("[p. N]") != std::string::npos);
    CHECK(b.text.find("path:LINE") != std::string::npos);
    CHECK_EQ(b.includedParts, 3);
    CHECK_EQ(b.omittedParts, 0);
    CHECK_EQ(b.tokenCount, int64_t(tokenizer().encode(b.text).size()));
}

TEST("two PDFs ask for the [doc ID, p. N] form") {
    CHECK(citationInstructions({pdf(1, 1), pdf(2, 1)}).find("[doc ID, p. N]") != std::string::npos);
    CHECK(citationInstructions({pdf(1, 1)}).find("[doc ID") == std::string::npos);
}

TEST("the budget is never exceeded: whole pages only, the rest listed as omitted") {
    const PromptBlock all = buildDocumentBlock({pdf(7, 40)}, PromptBudget{1000000, true}, tokenizer());
    const int64_t budget = all.tokenCount / 2;
    const PromptBlock half = buildDocumentBlock({pdf(7, 40), repo(8)}, PromptBudget{budget, true}, tokenizer());
    CHECK(half.tokenCount <= budget);
    CHECK(half.tokenCount > budget - 80);  // filled up to about one page of the limit
    CHECK(half.includedParts > 10 && half.includedParts < 30);
    CHECK_EQ(half.includedParts + half.omittedParts, int64_t(41));
    CHECK_EQ(half.omittedSummary.size(), size_t(2));
    CHECK(half.omittedSummary[0].find("doc 7: page " + std::to_string(half.includedParts + 1) + " to page 40") == 0);
    CHECK_EQ(half.omittedSummary[1], std::string("doc 8: src/foo.cpp to src/foo.cpp"));
    CHECK(half.text.find("[p. " + std::to_string(half.includedParts) + "]") != std::string::npos);
    CHECK(half.text.find("[p. " + std::to_string(half.includedParts + 1) + "]") == std::string::npos);
    CHECK(half.text.find("</document>") != std::string::npos);
    const PromptBlock tiny = buildDocumentBlock({pdf(7, 3)}, PromptBudget{10, true}, tokenizer());
    CHECK_EQ(tiny.includedParts, 0);
    CHECK(tiny.text.find("<document") == std::string::npos);
}

UNIT_MAIN()
