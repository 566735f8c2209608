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
}  // namespace

Conversation ConversationStore::create_conversation(const std::string& title) {
    const int64_t now = now_ms();
    Statement insert(db_, "INSERT INTO conversations(title, created_at, updated_at) VALUES (?, ?, ?)",
                     "create conversation");
    insert.bind(1, title).bind(2, now).bind(3, now).run();
    return Conversation{sqlite3_last_insert_rowid(db_.handle()), title, now, now};
}

std::vector<Conversation> ConversationStore::list_conversations() {
    Statement query(db_, "SELECT id, title, created_at, updated_at FROM conversations ORDER BY updated_at DESC, id DESC",
                    "list conversations");
    std::vector<Conversation> result;
    while (query.step()) result.push_back(read_conversation(query));
    return result;
}

std::optional<Conversation> ConversationStore::find_conversation(int64_t id) {
    Statement query(db_, "SELECT id, title, created_at, updated_at FROM conversations WHERE id = ?",
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

Message ConversationStore::append_message(Message message) {
    const std::string operation = "append message to conversation " + std::to_string(message.conversation_id);
    if (message.created_at == 0) message.created_at = now_ms();
    Transaction transaction(db_, operation);
    Statement touch(db_, "UPDATE conversations SET updated_at = ? WHERE id = ?", operation);
    touch.bind(1, message.created_at).bind(2, message.conversation_id).run();
    if (sqlite3_changes(db_.handle()) == 0) missing(db_, operation, message.conversation_id);
    Statement insert(db_,
                     "INSERT INTO messages(conversation_id, role, content, reasoning, mode, model, prompt_tokens, "
                     "completion_tokens, reasoning_tokens, prefill_ms, decode_ms, time_to_first_token_ms, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     operation);
    insert.bind(1, message.conversation_id)
        .bind(2, message.role)
        .bind(3, message.content)
        .bind(4, message.reasoning)
        .bind(5, message.mode)
        .bind(6, message.model)
        .bind(7, message.prompt_tokens)
        .bind(8, message.completion_tokens)
        .bind(9, message.reasoning_tokens)
        .bind(10, message.prefill_ms)
        .bind(11, message.decode_ms)
        .bind(12, message.time_to_first_token_ms)
        .bind(13, message.created_at)
        .run();
    message.id = sqlite3_last_insert_rowid(db_.handle());
    transaction.commit();
    return message;
}

std::vector<Message> ConversationStore::messages(int64_t conversation_id) {
    Statement query(db_,
                    "SELECT id, conversation_id, role, content, reasoning, mode, model, prompt_tokens, "
                    "completion_tokens, reasoning_tokens, prefill_ms, decode_ms, time_to_first_token_ms, created_at "
                    "FROM messages WHERE conversation_id = ? ORDER BY id",
                    "read messages of conversation " + std::to_string(conversation_id));
    query.bind(1, conversation_id);
    std::vector<Message> result;
    while (query.step()) {
        Message m;
        m.id = query.column_int64(0);
        m.conversation_id = query.column_int64(1);
        m.role = query.column_text(2);
        m.content = query.column_text(3);
        m.reasoning = query.column_text(4);
        m.mode = query.column_text(5);
        m.model = query.column_text(6);
        m.prompt_tokens = query.column_int64(7);
        m.completion_tokens = query.column_int64(8);
        m.reasoning_tokens = query.column_int64(9);
        m.prefill_ms = query.column_double(10);
        m.decode_ms = query.column_double(11);
        m.time_to_first_token_ms = query.column_double(12);
        m.created_at = query.column_int64(13);
        result.push_back(std::move(m));
    }
    return result;
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
                     "SELECT id, title, created_at, updated_at FROM conversations WHERE id IN ("
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
