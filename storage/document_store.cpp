#include "storage/document_store.hpp"

#include "storage/conversation_store.hpp"
#include "storage/log.hpp"

#include <sqlite3.h>

namespace fathom::storage {

namespace {
constexpr const char* kDocumentColumns =
    "SELECT id, source_path, kind, content_hash, title, metadata, token_count, created_at FROM documents ";
constexpr const char* kPageColumns =
    "SELECT document_id, ordinal, page_number, file_path, text, token_count, has_text FROM document_pages ";

Document read_document(const Statement& row) {
    Document d;
    d.id = row.column_int64(0);
    d.source_path = row.column_text(1);
    d.kind = row.column_text(2);
    d.content_hash = row.column_text(3);
    d.title = row.column_text(4);
    d.metadata = row.column_text(5);
    d.token_count = row.column_int64(6);
    d.created_at = row.column_int64(7);
    return d;
}

DocumentPage read_page(const Statement& row) {
    DocumentPage p;
    p.document_id = row.column_int64(0);
    p.ordinal = row.column_int64(1);
    if (!row.column_is_null(2)) p.page_number = row.column_int64(2);
    if (!row.column_is_null(3)) p.file_path = row.column_text(3);
    p.text = row.column_text(4);
    p.token_count = row.column_int64(5);
    p.has_text = row.column_int64(6) != 0;
    return p;
}

std::optional<Document> one_document(Statement& query) {
    if (!query.step()) return std::nullopt;
    return read_document(query);
}
}  // namespace

int64_t DocumentStore::add_document(Document document, const std::vector<DocumentPage>& pages,
                                    const std::vector<DocumentProblem>& problems) {
    const std::string operation = "add document '" + document.source_path + "'";
    if (document.created_at == 0) document.created_at = now_ms();
    Transaction transaction(db_, operation);
    Statement insert(db_,
                     "INSERT INTO documents(source_path, kind, content_hash, title, metadata, token_count, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     operation);
    insert.bind(1, document.source_path)
        .bind(2, document.kind)
        .bind(3, document.content_hash)
        .bind(4, document.title)
        .bind(5, document.metadata)
        .bind(6, document.token_count)
        .bind(7, document.created_at)
        .run();
    const int64_t id = sqlite3_last_insert_rowid(db_.handle());

    // One statement per row: Statement has no reset, and binding a stepped statement is SQLITE_MISUSE.
    // Preparing costs microseconds, against milliseconds of extraction per page.
    int64_t ordinal = 0;
    for (const DocumentPage& page : pages) {
        Statement insert_page(db_,
                              "INSERT INTO document_pages(document_id, ordinal, page_number, file_path, text, "
                              "token_count, has_text) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              operation + ": part " + std::to_string(ordinal));
        insert_page.bind(1, id).bind(2, ordinal++);
        if (page.page_number) insert_page.bind(3, *page.page_number); else insert_page.bind_null(3);
        if (page.file_path) insert_page.bind(4, std::string_view(*page.file_path)); else insert_page.bind_null(4);
        insert_page.bind(5, std::string_view(page.text))
            .bind(6, page.token_count)
            .bind(7, int64_t(page.has_text ? 1 : 0))
            .run();
    }
    for (const DocumentProblem& problem : problems) {
        Statement insert_problem(db_, "INSERT INTO document_problems(document_id, path, reason) VALUES (?, ?, ?)",
                                 operation + ": problem");
        insert_problem.bind(1, id).bind(2, std::string_view(problem.path)).bind(3, std::string_view(problem.reason)).run();
    }
    transaction.commit();
    log()->info("stored document {} '{}' ({}, {} parts, {} problems, {} tokens)", id, document.source_path,
                document.kind, pages.size(), problems.size(), document.token_count);
    return id;
}

std::vector<Document> DocumentStore::list_documents() {
    Statement query(db_, std::string(kDocumentColumns) + "ORDER BY created_at DESC, id DESC", "list documents");
    std::vector<Document> result;
    while (query.step()) result.push_back(read_document(query));
    return result;
}

std::optional<Document> DocumentStore::find_document(int64_t id) {
    Statement query(db_, std::string(kDocumentColumns) + "WHERE id = ?", "find document");
    query.bind(1, id);
    return one_document(query);
}

std::optional<Document> DocumentStore::find_by_hash(const std::string& content_hash) {
    Statement query(db_, std::string(kDocumentColumns) + "WHERE content_hash = ? ORDER BY id DESC LIMIT 1",
                    "find document by hash");
    query.bind(1, content_hash);
    return one_document(query);
}

void DocumentStore::delete_document(int64_t id) {
    const std::string operation = "delete document " + std::to_string(id);
    Statement remove(db_, "DELETE FROM documents WHERE id = ?", operation);
    remove.bind(1, id).run();
    if (sqlite3_changes(db_.handle()) == 0) {
        log()->warn("{}: no document {} in '{}'", operation, id, db_.path().string());
        throw StorageError(StorageErrorKind::not_found, db_.path(), operation, 0,
                           "document " + std::to_string(id) + " does not exist");
    }
}

std::vector<DocumentPage> DocumentStore::pages(int64_t document_id) {
    Statement query(db_, std::string(kPageColumns) + "WHERE document_id = ? ORDER BY ordinal", "list document pages");
    query.bind(1, document_id);
    std::vector<DocumentPage> result;
    while (query.step()) result.push_back(read_page(query));
    return result;
}

std::optional<DocumentPage> DocumentStore::page(int64_t document_id, int64_t page_number) {
    Statement query(db_, std::string(kPageColumns) + "WHERE document_id = ? AND page_number = ?", "find page");
    query.bind(1, document_id).bind(2, page_number);
    if (!query.step()) return std::nullopt;
    return read_page(query);
}

std::optional<DocumentPage> DocumentStore::file(int64_t document_id, const std::string& file_path) {
    Statement query(db_, std::string(kPageColumns) + "WHERE document_id = ? AND file_path = ?", "find file");
    query.bind(1, document_id).bind(2, std::string_view(file_path));
    if (!query.step()) return std::nullopt;
    return read_page(query);
}

std::vector<DocumentProblem> DocumentStore::problems(int64_t document_id) {
    Statement query(db_, "SELECT path, reason FROM document_problems WHERE document_id = ? ORDER BY id",
                    "list document problems");
    query.bind(1, document_id);
    std::vector<DocumentProblem> result;
    while (query.step()) result.push_back({query.column_text(0), query.column_text(1)});
    return result;
}

int64_t DocumentStore::part_count(int64_t document_id) {
    Statement query(db_, "SELECT COUNT(*) FROM document_pages WHERE document_id = ?", "count document parts");
    query.bind(1, document_id);
    return query.step() ? query.column_int64(0) : 0;
}

int64_t DocumentStore::last_page_number(int64_t document_id) {
    Statement query(db_, "SELECT COALESCE(MAX(page_number), 0) FROM document_pages WHERE document_id = ?",
                    "last page number");
    query.bind(1, document_id);
    return query.step() ? query.column_int64(0) : 0;
}

std::vector<std::string> DocumentStore::file_paths(int64_t document_id) {
    Statement query(db_, "SELECT file_path FROM document_pages WHERE document_id = ? AND file_path IS NOT NULL "
                         "ORDER BY ordinal", "list document files");
    query.bind(1, document_id);
    std::vector<std::string> result;
    while (query.step()) result.push_back(query.column_text(0));
    return result;
}

}  // namespace fathom::storage
