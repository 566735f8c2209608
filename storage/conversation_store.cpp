#include "storage/conversation_store.hpp"

#include "storage/log.hpp"

#include <sqlite3.h>

#include <chrono>
#include <sstream>

namespace fathom::storage {

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
Conversation read_conversation(const Statement& row) {
    return Conversation{row.column_int64(0), row.column_text(1), row.column_int64(2), row.column_int64(3)};
}

// Each whitespace-separated word becomes a quoted prefix term ("word"*), so quotes, AND, NEAR, * and
// parentheses typed by the user are searched for, not interpreted.
std::string fts_query(const std::string& text) {
    std::istringstream words(text);
    std::string word, query;
    while (words >> word) {
        std::string quoted = "\"";
        for (char c : word) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        if (!query.empty()) query += ' ';
        query += quoted + "\"*";
    }
    return query;
}

[[noreturn]] void missing(Database& db, const std::string& operation, int64_t id) {
    log()->warn("{}: no conversation {} in '{}'", operation, id, db.path().string());
    throw StorageError(StorageErrorKind::not_found, db.path(), operation, 0,
                       "conversation " + std::to_string(id) + " does not exist");
}

#define MESSAGE_COLUMNS                                                                                \
    "messages.id, conversation_id, parent_id, role, content, reasoning, mode, model, prompt_tokens, " \
    "completion_tokens, reasoning_tokens, prefill_ms, decode_ms, time_to_first_token_ms, created_at"

Message read_message(const Statement& row) {
    Message m;
    m.id = row.column_int64(0);
    m.conversation_id = row.column_int64(1);
    m.parent_id = row.column_int64(2);  // NULL (a root) reads as 0
    m.role = row.column_text(3);
    m.content = row.column_text(4);
    m.reasoning = row.column_text(5);
    m.mode = row.column_text(6);
    m.model = row.column_text(7);
    m.prompt_tokens = row.column_int64(8);
    m.completion_tokens = row.column_int64(9);
    m.reasoning_tokens = row.column_int64(10);
    m.prefill_ms = row.column_double(11);
    m.decode_ms = row.column_double(12);
    m.time_to_first_token_ms = row.column_double(13);
    m.created_at = row.column_int64(14);
    return m;
}

// The last message of the active path (0 when the conversation has none); throws not_found for no conversation.
int64_t active_leaf(Database& db, int64_t conversation_id, const std::string& operation) {
    Statement query(db,
                    "SELECT COALESCE(active_leaf_id, (SELECT max(id) FROM messages WHERE conversation_id = c.id), 0) "
                    "FROM conversations c WHERE c.id = ?",
                    operation);
    query.bind(1, conversation_id);
    if (!query.step()) missing(db, operation, conversation_id);
    return query.column_int64(0);
}

// Inside the caller's transaction: stores the message, makes it the active leaf, bumps updated_at.
Message insert_message(Database& db, Message message, const std::string& operation) {
    if (message.created_at == 0) message.created_at = now_ms();
    Statement touch(db, "UPDATE conversations SET updated_at = ? WHERE id = ?", operation);
    touch.bind(1, message.created_at).bind(2, message.conversation_id).run();
    if (sqlite3_changes(db.handle()) == 0) missing(db, operation, message.conversation_id);
    Statement insert(db,
                     "INSERT INTO messages(conversation_id, parent_id, role, content, reasoning, mode, model, "
                     "prompt_tokens, completion_tokens, reasoning_tokens, prefill_ms, decode_ms, "
                     "time_to_first_token_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     operation);
    insert.bind(1, message.conversation_id);
    if (message.parent_id == 0)
        insert.bind_null(2);
    else
        insert.bind(2, message.parent_id);
    insert.bind(3, message.role)
        .bind(4, message.content)
        .bind(5, message.reasoning)
        .bind(6, message.mode)
        .bind(7, message.model)
        .bind(8, message.prompt_tokens)
        .bind(9, message.completion_tokens)
        .bind(10, message.reasoning_tokens)
        .bind(11, message.prefill_ms)
        .bind(12, message.decode_ms)
        .bind(13, message.time_to_first_token_ms)
        .bind(14, message.created_at)
        .run();
    message.id = sqlite3_last_insert_rowid(db.handle());
    Statement activate(db, "UPDATE conversations SET active_leaf_id = ? WHERE id = ?", operation);
    activate.bind(1, message.id).bind(2, message.conversation_id).run();
    return message;
}
}  // namespace

Conversation ConversationStore::create_conversation(const std::string& title) {
    const int64_t now = now_ms();
    Statement insert(db_, "INSERT INTO conversations(title, created_at, updated_at) VALUES (?, ?, ?)",
                     "create conversation");
    insert.bind(1, title).bind(2, now).bind(3, now).run();
    return Conversation{sqlite3_last_insert_rowid(db_.handle()), title, now, now};
}

std::vector<Conversation> ConversationStore::list_conversations() {
    Statement query(db_, "SELECT id, title, created_at, updated_at FROM conversations WHERE deleted_at IS NULL "
                    "ORDER BY updated_at DESC, id DESC",
                    "list conversations");
    std::vector<Conversation> result;
    while (query.step()) result.push_back(read_conversation(query));
    return result;
}

std::optional<Conversation> ConversationStore::find_conversation(int64_t id) {
    Statement query(db_, "SELECT id, title, created_at, updated_at FROM conversations WHERE id = ? AND deleted_at IS NULL",
                    "find conversation");
    query.bind(1, id);
    if (!query.step()) return std::nullopt;
    return read_conversation(query);
}

void ConversationStore::rename_conversation(int64_t id, const std::string& title) {
    const std::string operation = "rename conversation " + std::to_string(id);
    Statement update(db_, "UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?", operation);
    update.bind(1, title).bind(2, now_ms()).bind(3, id).run();
    if (sqlite3_changes(db_.handle()) == 0) missing(db_, operation, id);
}

void ConversationStore::delete_conversation(int64_t id) {
    const std::string operation = "delete conversation " + std::to_string(id);
    Statement remove(db_, "DELETE FROM conversations WHERE id = ?", operation);
    remove.bind(1, id).run();
    if (sqlite3_changes(db_.handle()) == 0) missing(db_, operation, id);
}

void ConversationStore::mark_deleted(int64_t id) {
    const std::string operation = "mark conversation " + std::to_string(id) + " deleted";
    Statement mark(db_, "UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", operation);
    mark.bind(1, now_ms()).bind(2, id).run();
    if (sqlite3_changes(db_.handle()) == 0) missing(db_, operation, id);
}

void ConversationStore::restore_deleted(int64_t id) {
    const std::string operation = "restore deleted conversation " + std::to_string(id);
    Statement restore(db_, "UPDATE conversations SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL", operation);
    restore.bind(1, id).run();
    if (sqlite3_changes(db_.handle()) == 0) {
        log()->warn("{}: no conversation {} marked deleted in '{}'", operation, id, db_.path().string());
        throw StorageError(StorageErrorKind::not_found, db_.path(), operation, 0,
                           "conversation " + std::to_string(id) + " is not waiting to be deleted (already gone?)");
    }
}

int64_t ConversationStore::purge_deleted(int64_t id) {
    const std::string operation = id == 0 ? std::string("purge conversations marked deleted")
                                          : "purge deleted conversation " + std::to_string(id);
    Statement purge(db_, "DELETE FROM conversations WHERE deleted_at IS NOT NULL AND (?1 = 0 OR id = ?1)", operation);
    purge.bind(1, id).run();
    const int64_t purged = sqlite3_changes(db_.handle());
    if (purged > 0) log()->info("{}: {} removed from '{}'", operation, purged, db_.path().string());
    return purged;
}

Message ConversationStore::append_message(Message message) {
    const std::string operation = "append message to conversation " + std::to_string(message.conversation_id);
    Transaction transaction(db_, operation);
    message.parent_id = active_leaf(db_, message.conversation_id, operation);
    message = insert_message(db_, std::move(message), operation);
    transaction.commit();
    return message;
}

Message ConversationStore::append_child(Message message) {
    const std::string operation = "add message under " + std::to_string(message.parent_id) + " in conversation " +
                                  std::to_string(message.conversation_id);
    Transaction transaction(db_, operation);
    if (message.parent_id != 0) {
        Statement parent(db_, "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?", operation);
        parent.bind(1, message.parent_id).bind(2, message.conversation_id);
        if (!parent.step())
            throw StorageError(StorageErrorKind::not_found, db_.path(), operation, 0,
                               "message " + std::to_string(message.parent_id) + " is not in conversation " +
                                   std::to_string(message.conversation_id));
    }
    message = insert_message(db_, std::move(message), operation);
    transaction.commit();
    return message;
}

std::vector<Message> ConversationStore::messages(int64_t conversation_id) {
    // Up from the active leaf to the root; the depth orders it root first.
    Statement query(db_,
                    "WITH RECURSIVE path(id, depth) AS ("
                    "  SELECT COALESCE(c.active_leaf_id, (SELECT max(id) FROM messages WHERE conversation_id = c.id)), 0"
                    "  FROM conversations c WHERE c.id = ?"
                    "  UNION ALL SELECT m.parent_id, path.depth + 1 FROM messages m JOIN path ON m.id = path.id"
                    "  WHERE m.parent_id IS NOT NULL) "
                    "SELECT " MESSAGE_COLUMNS " FROM messages JOIN path ON messages.id = path.id ORDER BY path.depth DESC",
                    "read the active path of conversation " + std::to_string(conversation_id));
    query.bind(1, conversation_id);
    std::vector<Message> result;
    while (query.step()) result.push_back(read_message(query));
    return result;
}

std::vector<Message> ConversationStore::all_messages(int64_t conversation_id) {
    Statement query(db_, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE conversation_id = ? ORDER BY id",
                    "read messages of conversation " + std::to_string(conversation_id));
    query.bind(1, conversation_id);
    std::vector<Message> result;
    while (query.step()) result.push_back(read_message(query));
    return result;
}

std::vector<int64_t> ConversationStore::sibling_ids(int64_t message_id) {
    Statement query(db_,
                    "SELECT s.id FROM messages m JOIN messages s ON s.conversation_id = m.conversation_id "
                    "AND s.parent_id IS m.parent_id WHERE m.id = ? ORDER BY s.id",
                    "list siblings of message " + std::to_string(message_id));
    query.bind(1, message_id);
    std::vector<int64_t> result;
    while (query.step()) result.push_back(query.column_int64(0));
    return result;
}

void ConversationStore::switch_branch(int64_t message_id) {
    const std::string operation = "switch to the branch of message " + std::to_string(message_id);
    // A child is always stored after its parent, so the newest message below is a leaf: the one written last.
    Statement update(db_,
                     "WITH RECURSIVE below(id) AS (SELECT ?1 UNION ALL "
                     "  SELECT m.id FROM messages m JOIN below ON m.parent_id = below.id) "
                     "UPDATE conversations SET active_leaf_id = (SELECT max(id) FROM below) "
                     "WHERE id = (SELECT conversation_id FROM messages WHERE id = ?1)",
                     operation);
    update.bind(1, message_id).run();
    if (sqlite3_changes(db_.handle()) == 0)
        throw StorageError(StorageErrorKind::not_found, db_.path(), operation, 0,
                           "message " + std::to_string(message_id) + " does not exist");
}

void ConversationStore::delete_message(int64_t message_id) {
    const std::string operation = "delete message " + std::to_string(message_id);
    Statement remove(db_, "DELETE FROM messages WHERE id = ?", operation);
    remove.bind(1, message_id).run();
    if (sqlite3_changes(db_.handle()) == 0)
        throw StorageError(StorageErrorKind::not_found, db_.path(), operation, 0,
                           "message " + std::to_string(message_id) + " does not exist");
}

std::vector<Conversation> ConversationStore::search_conversations(const std::string& text) {
    const std::string query = fts_query(text);
    if (query.empty()) return list_conversations();
    Statement search(db_,
                     "SELECT id, title, created_at, updated_at FROM conversations WHERE deleted_at IS NULL AND id IN ("
                     "  SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH ?1"
                     "  UNION SELECT m.conversation_id FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                     "  WHERE messages_fts MATCH ?1) "
                     "ORDER BY updated_at DESC, id DESC",
                     "search conversations for '" + text + "'");
    search.bind(1, query);
    std::vector<Conversation> result;
    while (search.step()) result.push_back(read_conversation(search));
    return result;
}

int64_t ConversationStore::message_count(int64_t conversation_id) {
    Statement query(db_, "SELECT count(*) FROM messages WHERE conversation_id = ?", "count messages");
    query.bind(1, conversation_id);
    query.step();
    return query.column_int64(0);
}

}  // namespace fathom::storage
