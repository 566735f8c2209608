// DocumentStore: ingested documents (a PDF, a folder or repository, a text file) with their pages or files
// and the problems met while reading them. A document and all its parts are written in one transaction.
#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fathom::storage {

struct Document {
    int64_t id = 0;
    std::string source_path;
    std::string kind;          // pdf, folder, repository, text
    std::string content_hash;  // hex digest of what was read, to notice a document already stored
    std::string title;
    std::string metadata = "{}";  // JSON object (PDF author, dates, page count; repository head...)
    int64_t token_count = 0;
    int64_t created_at = 0;  // ms since the Unix epoch; filled in by add_document when 0
};

// One page of a PDF (page_number set) or one file of a folder (file_path set), never both.
struct DocumentPage {
    int64_t document_id = 0;
    int64_t ordinal = 0;  // position in the document, from 0
    std::optional<int64_t> page_number;
    std::optional<std::string> file_path;
    std::string text;
    int64_t token_count = 0;
    bool has_text = true;  // false for a scanned page with no text layer
};

struct DocumentProblem {
    std::string path;    // the file (or "page 12") the problem is about
    std::string reason;  // what went wrong or why it was skipped
};

class DocumentStore {
public:
    explicit DocumentStore(Database& db) : db_(db) {}

    // Stores the document, its pages (ordinals taken from their order) and problems atomically; returns its id.
    int64_t add_document(Document document, const std::vector<DocumentPage>& pages,
                         const std::vector<DocumentProblem>& problems);
    // Newest first.
    std::vector<Document> list_documents();
    std::optional<Document> find_document(int64_t id);
    std::optional<Document> find_by_hash(const std::string& content_hash);
    // Throws StorageError (not_found) when the document does not exist; pages and problems go with it.
    void delete_document(int64_t id);

    std::vector<DocumentPage> pages(int64_t document_id);
    std::optional<DocumentPage> page(int64_t document_id, int64_t page_number);
    std::optional<DocumentPage> file(int64_t document_id, const std::string& file_path);
    std::vector<DocumentProblem> problems(int64_t document_id);
    // Without reading any text: how many parts, and the highest page number and every file path.
    int64_t part_count(int64_t document_id);
    int64_t last_page_number(int64_t document_id);
    std::vector<std::string> file_paths(int64_t document_id);

private:
    Database& db_;
};

}  // namespace fathom::storage
