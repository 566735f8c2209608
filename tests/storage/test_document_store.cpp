// DocumentStore over a real file: a PDF's pages and a folder's files round-trip, lookups by page and path,
// problems kept, cascading delete, and a failed write leaving nothing half stored.
#include "storage/document_store.hpp"
#include "temp_dir.hpp"
#include "unit.hpp"

using namespace fathom::storage;
using storage_test::TempDir;

namespace {
DocumentPage pdf_page(int64_t number, const std::string& text, int64_t tokens) {
    DocumentPage p;
    p.page_number = number;
    p.text = text;
    p.token_count = tokens;
    p.has_text = !text.empty();
    return p;
}
DocumentPage source_file(const std::string& path, const std::string& text) {
    DocumentPage p;
    p.file_path = path;
    p.text = text;
    p.token_count = static_cast<int64_t>(text.size() / 4);
    return p;
}
}  // namespace

TEST("a PDF's pages, metadata and problems survive reopening the file") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    int64_t id = 0;
    {
        Database db(path);
        DocumentStore store(db);
        Document doc;
        doc.source_path = "/papers/v4.pdf";
        doc.kind = "pdf";
        doc.content_hash = "abc123";
        doc.title = "DeepSeek-V4";
        doc.metadata = R"({"author":"DeepSeek","pages":3})";
        doc.token_count = 30;
        id = store.add_document(doc, {pdf_page(1, "Intro", 10), pdf_page(2, "", 0), pdf_page(3, "Método ∑", 20)},
                                {{"page 2", "no text layer (scanned page?)"}});
    }
    Database db(path);
    DocumentStore store(db);
    const auto docs = store.list_documents();
    CHECK_EQ(docs.size(), size_t(1));
    CHECK_EQ(docs[0].title, std::string("DeepSeek-V4"));
    CHECK_EQ(docs[0].metadata, std::string(R"({"author":"DeepSeek","pages":3})"));
    CHECK(docs[0].created_at > 0);
    const auto pages = store.pages(id);
    CHECK_EQ(pages.size(), size_t(3));
    CHECK_EQ(pages[2].ordinal, 2);
    CHECK_EQ(*pages[2].page_number, 3);
    CHECK(!pages[2].file_path.has_value());
    CHECK_EQ(pages[2].text, std::string("Método ∑"));
    CHECK(!pages[1].has_text);
    const auto third = store.page(id, 3);
    CHECK(third.has_value());
    CHECK_EQ(third->token_count, 20);
    CHECK(!store.page(id, 4).has_value());
    const auto problems = store.problems(id);
    CHECK_EQ(problems.size(), size_t(1));
    CHECK_EQ(problems[0].reason, std::string("no text layer (scanned page?)"));
    CHECK_EQ(store.find_by_hash("abc123")->id, id);
    CHECK_EQ(store.part_count(id), 3);
    CHECK_EQ(store.last_page_number(id), 3);
    CHECK_EQ(store.file_paths(id).size(), size_t(0));
    CHECK(!store.find_by_hash("other").has_value());
}

TEST("a folder's files are found by path and deleting the document removes them") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    DocumentStore store(db);
    Document doc;
    doc.source_path = "/src/repo";
    doc.kind = "repository";
    doc.content_hash = "h";
    const int64_t id = store.add_document(doc, {source_file("src/foo.cpp", "int main() {}\n"), source_file("README.md", "# hi")},
                                          {{"node_modules", "vendored folder"}});
    CHECK_EQ(store.file(id, "src/foo.cpp")->text, std::string("int main() {}\n"));
    CHECK(!store.file(id, "src/bar.cpp").has_value());
    CHECK_EQ(store.file_paths(id).size(), size_t(2));
    CHECK_EQ(store.file_paths(id)[1], std::string("README.md"));
    CHECK_EQ(store.last_page_number(id), 0);
    store.delete_document(id);
    CHECK(!store.find_document(id).has_value());
    CHECK_EQ(store.pages(id).size(), size_t(0));
    CHECK_EQ(store.problems(id).size(), size_t(0));
    CHECK_THROWS_WITH(store.delete_document(id), "does not exist");
}

TEST("a part that breaks the schema rolls the whole document back") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    DocumentStore store(db);
    Document doc;
    doc.source_path = "/broken";
    doc.kind = "pdf";
    doc.content_hash = "x";
    DocumentPage neither;  // neither page number nor file path: the CHECK constraint refuses it
    neither.text = "orphan";
    CHECK_THROWS_WITH(store.add_document(doc, {pdf_page(1, "ok", 1), neither}, {}), "CHECK");
    CHECK_EQ(store.list_documents().size(), size_t(0));
    Document bad_kind = doc;
    bad_kind.kind = "spreadsheet";
    CHECK_THROWS_WITH(store.add_document(bad_kind, {}, {}), "CHECK");
}
UNIT_MAIN()
