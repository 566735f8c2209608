#include "storage/attachment_store.hpp"

#include "storage/conversation_store.hpp"
#include "storage/log.hpp"

#include <sqlite3.h>

namespace fathom::storage {

bool AttachmentStore::attach(int64_t conversation_id, int64_t document_id) {
    const std::string operation =
        "attach document " + std::to_string(document_id) + " to conversation " + std::to_string(conversation_id);
    // added_at orders the prompt's documents: strictly after the conversation's last attachment, even within
    // the same millisecond (or after the clock went back).
    Statement insert(db_,
                     "INSERT INTO attachments(conversation_id, document_id, added_at) VALUES (?1, ?2, "
                     "MAX(?3, COALESCE((SELECT MAX(added_at) + 1 FROM attachments WHERE conversation_id = ?1), 0))) "
                     "ON CONFLICT(conversation_id, document_id) DO NOTHING",
                     operation);
    insert.bind(1, conversation_id).bind(2, document_id).bind(3, now_ms()).run();
    const bool added = sqlite3_changes(db_.handle()) > 0;
    if (added) log()->info("{}", operation);
    return added;
}

bool AttachmentStore::detach(int64_t conversation_id, int64_t document_id) {
    const std::string operation =
        "detach document " + std::to_string(document_id) + " from conversation " + std::to_string(conversation_id);
    Statement remove(db_, "DELETE FROM attachments WHERE conversation_id = ? AND document_id = ?", operation);
    remove.bind(1, conversation_id).bind(2, document_id).run();
    const bool removed = sqlite3_changes(db_.handle()) > 0;
    if (removed) log()->info("{}", operation);
    return removed;
}

std::vector<Attachment> AttachmentStore::list(int64_t conversation_id) {
    // added_at is strictly increasing per conversation (see attach); the document id only guards older rows.
    Statement query(db_,
                    "SELECT a.conversation_id, a.document_id, a.added_at, d.id, d.source_path, d.kind, d.content_hash, "
                    "d.title, d.metadata, d.token_count, d.created_at FROM attachments a "
                    "JOIN documents d ON d.id = a.document_id WHERE a.conversation_id = ? "
                    "ORDER BY a.added_at, a.document_id",
                    "list attachments of conversation " + std::to_string(conversation_id));
    query.bind(1, conversation_id);
    std::vector<Attachment> result;
    while (query.step()) {
        Attachment a;
        a.conversation_id = query.column_int64(0);
        a.document_id = query.column_int64(1);
        a.added_at = query.column_int64(2);
        a.document.id = query.column_int64(3);
        a.document.source_path = query.column_text(4);
        a.document.kind = query.column_text(5);
        a.document.content_hash = query.column_text(6);
        a.document.title = query.column_text(7);
        a.document.metadata = query.column_text(8);
        a.document.token_count = query.column_int64(9);
        a.document.created_at = query.column_int64(10);
        result.push_back(std::move(a));
    }
    return result;
}

}  // namespace fathom::storage
