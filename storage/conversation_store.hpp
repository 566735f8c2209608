// ConversationStore: conversations and their messages in the database. Each write is one transaction,
// so a crash loses at most the message being written; deleting a conversation cascades to its messages.
#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fathom::storage {

struct Conversation {
    int64_t id = 0;
    std::string title;
    int64_t created_at = 0;  // ms since the Unix epoch
    int64_t updated_at = 0;
};

struct Message {
    int64_t id = 0;
    int64_t conversation_id = 0;
    std::string role;  // system, user, assistant, tool
    std::string content;
    std::string reasoning;
    std::string mode = "standard";  // standard, think, think-max
    std::string model;
    int64_t prompt_tokens = 0, completion_tokens = 0, reasoning_tokens = 0;
    double prefill_ms = 0, decode_ms = 0, time_to_first_token_ms = 0;
    int64_t created_at = 0;  // ms since the Unix epoch; filled in by append_message when 0
};

int64_t now_ms();

class ConversationStore {
public:
    explicit ConversationStore(Database& db) : db_(db) {}

    Conversation create_conversation(const std::string& title);
    // Most recently updated first.
    std::vector<Conversation> list_conversations();
    std::optional<Conversation> find_conversation(int64_t id);
    // Both throw StorageError (not_found) when the conversation does not exist.
    void rename_conversation(int64_t id, const std::string& title);
    void delete_conversation(int64_t id);

    // Stores the message and bumps its conversation's updated_at, atomically; returns it with id and time set.
    Message append_message(Message message);
    std::vector<Message> messages(int64_t conversation_id);
    int64_t message_count(int64_t conversation_id);
    // Throws StorageError (not_found) when there is no such message.
    void delete_message(int64_t message_id);

    // Conversations whose title or any message contains every word of `text` (word prefixes count:
    // "tok" finds "tokens"), most recently updated first. FTS5 syntax in `text` is taken literally.
    std::vector<Conversation> search_conversations(const std::string& text);

private:
    Database& db_;
};

}  // namespace fathom::storage
