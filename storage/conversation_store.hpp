// ConversationStore: conversations and their messages in the database. Each write is one transaction,
// so a crash loses at most the message being written; deleting a conversation cascades to its messages.
// The chat deletes in two steps so it can be undone: marked deleted (hidden everywhere, kept whole), then purged.
// Messages form a tree (an edit or a regenerated reply is a sibling); the chat shows the active path.
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
    int64_t parent_id = 0;  // the message this one follows; 0 for a first message (a root)
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
    // Most recently updated first; conversations marked deleted are left out (here, in find and in search).
    std::vector<Conversation> list_conversations();
    std::optional<Conversation> find_conversation(int64_t id);
    // Both throw StorageError (not_found) when the conversation does not exist.
    void rename_conversation(int64_t id, const std::string& title);
    // Removes it now, with its messages and attachments (marked deleted or not).
    void delete_conversation(int64_t id);

    // Deleting with undo. mark_deleted hides the conversation and keeps everything of it; restore_deleted brings it
    // back as it was. Both throw StorageError (not_found) when there is no such conversation in that state.
    void mark_deleted(int64_t id);
    void restore_deleted(int64_t id);
    // Removes conversations marked deleted (cascading to messages and attachments): the one given, or (0) all of
    // them, which the app does at start-up so a mark left by a quit or a crash never comes back. Returns how many.
    int64_t purge_deleted(int64_t id = 0);

    // Stores the message at the end of the conversation's active path (its parent is the active leaf, and
    // parent_id is ignored), makes it the active leaf and bumps updated_at, atomically; returns it with id,
    // parent and time set.
    Message append_message(Message message);
    // The same, but under message.parent_id (0: a new first message), so it starts a branch when that
    // parent already has children. Throws StorageError (not_found) when the parent is not in the conversation.
    Message append_child(Message message);
    // The active path, first message first (what the chat shows and a reply is generated from).
    std::vector<Message> messages(int64_t conversation_id);
    // Every message of every branch, oldest first (a parent always comes before its children).
    std::vector<Message> all_messages(int64_t conversation_id);
    // All messages, in every branch.
    int64_t message_count(int64_t conversation_id);
    // The message and its siblings (the alternatives after the same parent), oldest first.
    std::vector<int64_t> sibling_ids(int64_t message_id);
    // Makes the branch through this message the active one; below it the path follows the branch's most
    // recent message. Throws StorageError (not_found) when there is no such message.
    void switch_branch(int64_t message_id);
    // Deletes the message and everything that follows it in its branch. Throws StorageError (not_found)
    // when there is no such message.
    void delete_message(int64_t message_id);

    // Conversations whose title or any message contains every word of `text` (word prefixes count:
    // "tok" finds "tokens"), most recently updated first. FTS5 syntax in `text` is taken literally.
    std::vector<Conversation> search_conversations(const std::string& text);

private:
    Database& db_;
};

}  // namespace fathom::storage
