// Citations in answers become fathom:// links the UI opens, and those links parse back to their targets.
#include "app/ingestion/citation_linker.hpp"
#include "unit.hpp"

using namespace fathom::ingestion;

namespace {
std::vector<CitationSource> sources() {
    CitationSource paper;
    paper.documentId = 3;
    paper.pageCount = 500;
    CitationSource code;
    code.documentId = 4;
    code.files = {"src/foo.cpp", "src/util/strings.hpp", "README.md", "docs/my file.md"};
    return {paper, code};
}
}  // namespace

TEST("page citations link to the only PDF; out-of-range pages stay text") {
    const std::string out = linkCitations("As shown [p. 214] and [pp. 12-14], not [p. 900].", sources());
    CHECK_EQ(out, std::string("As shown [p. 214](fathom://doc/3/page/214) and [pp. 12-14](fathom://doc/3/page/12), not [p. 900]."));
}

TEST("[doc ID, p. N] picks the document; with two PDFs a bare [p. N] is ambiguous and left alone") {
    auto two = sources();
    CitationSource other;
    other.documentId = 9;
    other.pageCount = 10;
    two.push_back(other);
    CHECK_EQ(linkCitations("[doc 9, p. 2] [p. 2]", two), std::string("[doc 9, p. 2](fathom://doc/9/page/2) [p. 2]"));
}

TEST("file:line citations link to known files, by full path or unique suffix, in or out of backticks") {
    CHECK_EQ(linkCitations("see src/foo.cpp:120 and `strings.hpp:7-9`.", sources()),
             std::string("see [src/foo.cpp:120](fathom://doc/4/file/src/foo.cpp#L120) and "
                         "[`strings.hpp:7-9`](fathom://doc/4/file/src/util/strings.hpp#L7)."));
    CHECK_EQ(linkCitations("unknown.cpp:3, http://localhost:8080 and 12:30", sources()),
             std::string("unknown.cpp:3, http://localhost:8080 and 12:30"));
}

TEST("linking twice does not link again") {
    const std::string once = linkCitations("[p. 5] and README.md:1", sources());
    CHECK_EQ(linkCitations(once, sources()), once);
}

TEST("links parse back, with percent-encoded paths, and junk is refused") {
    const auto page = parseCitationUrl(pageUrl(3, 214));
    CHECK(page.has_value());
    CHECK_EQ(page->documentId, 3);
    CHECK_EQ(*page->page, 214);
    const std::string url = fileUrl(4, "docs/my file.md", 12);
    CHECK_EQ(url, std::string("fathom://doc/4/file/docs/my%20file.md#L12"));
    const auto file = parseCitationUrl(url);
    CHECK_EQ(*file->file, std::string("docs/my file.md"));
    CHECK_EQ(*file->line, 12);
    CHECK(!parseCitationUrl("fathom://doc/4/file/x#L").has_value());
    CHECK(!parseCitationUrl("https://example.com").has_value());
    CHECK(!parseCitationUrl("fathom://doc/99999999999999999999/page/1").has_value());
    CHECK(!parseCitationUrl("fathom://doc/1/file/bad%zz").has_value());
}

UNIT_MAIN()
