// ConversationStore and SettingsStore over a real file: persistence across reopen, rename, cascading delete.
#include "storage/conversation_store.hpp"
#include "storage/settings_store.hpp"
#include "temp_dir.hpp"
#include "unit.hpp"

using namespace fathom::storage;
using storage_test::TempDir;

namespace {
Message user_message(int64_t conversation, const std::string& text, const std::string& mode = "standard") {
    Message m;
    m.conversation_id = conversation;
    m.role = "user";
    m.content = text;
    m.mode = mode;
    return m;
}
}  // namespace

TEST("conversations and messages survive closing and reopening the file") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    int64_t id = 0;
    {
        Database db(path);
        ConversationStore store(db);
        id = store.create_conversation("Reading the V4 paper").id;
        store.append_message(user_message(id, "What is CSA?", "think"));
        Message answer;
        answer.conversation_id = id;
        answer.role = "assistant";
        answer.content = "Compressed sparse attention.";
        answer.reasoning = "The paper defines it in section 2.";
        answer.model = "synthetic-tiny";
        answer.prompt_tokens = 12;
        answer.completion_tokens = 5;
        answer.reasoning_tokens = 9;
        answer.prefill_ms = 3.5;
        answer.decode_ms = 40.25;
        store.append_message(answer);
    }
    Database db(path);
    ConversationStore store(db);
    const auto conversations = store.list_conversations();
    CHECK_EQ(conversations.size(), size_t(1));
    CHECK_EQ(conversations[0].title, std::string("Reading the V4 paper"));
    const auto messages = store.messages(id);
    CHECK_EQ(messages.size(), size_t(2));
    CHECK_EQ(messages[0].role, std::string("user"));
    CHECK_EQ(messages[0].content, std::string("What is CSA?"));
    CHECK_EQ(messages[0].mode, std::string("think"));
    CHECK(messages[0].created_at > 0);
    CHECK_EQ(messages[1].reasoning, std::string("The paper defines it in section 2."));
    CHECK_EQ(messages[1].model, std::string("synthetic-tiny"));
    CHECK_EQ(messages[1].completion_tokens, 5);
    CHECK_EQ(messages[1].reasoning_tokens, 9);
    CHECK_NEAR(messages[1].decode_ms, 40.25, 1e-9);
}

TEST("the most recently active conversation is listed first") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore store(db);
    const auto older = store.create_conversation("older");
    const auto newer = store.create_conversation("newer");
    Message m = user_message(older.id, "bump");
    m.created_at = newer.updated_at + 1000;
    store.append_message(m);
    const auto list = store.list_conversations();
    CHECK_EQ(list.size(), size_t(2));
    CHECK_EQ(list[0].id, older.id);
}

TEST("rename changes the title and persists; renaming a missing conversation says which one") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    int64_t id = 0;
    {
        Database db(path);
        ConversationStore store(db);
        id = store.create_conversation("draft").id;
        store.rename_conversation(id, "Final title");
        CHECK_THROWS_WITH(store.rename_conversation(id + 100, "x"), "conversation " + std::to_string(id + 100));
    }
    Database db(path);
    ConversationStore store(db);
    CHECK_EQ(store.find_conversation(id)->title, std::string("Final title"));
}

TEST("deleting a conversation removes its messages and leaves the others") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore store(db);
    const auto doomed = store.create_conversation("doomed");
    const auto kept = store.create_conversation("kept");
    for (int i = 0; i < 3; ++i) store.append_message(user_message(doomed.id, "m" + std::to_string(i)));
    store.append_message(user_message(kept.id, "stays"));
    store.delete_conversation(doomed.id);
    CHECK(!store.find_conversation(doomed.id).has_value());
    Statement orphans(db, "SELECT count(*) FROM messages WHERE conversation_id = ?", "count orphans");
    orphans.bind(1, doomed.id);
    orphans.step();
    CHECK_EQ(orphans.column_int64(0), 0);
    CHECK_EQ(store.message_count(kept.id), 1);
    CHECK_THROWS_WITH(store.delete_conversation(doomed.id), "does not exist");
}

TEST("a message for a missing conversation is refused and nothing is written") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore store(db);
    CHECK_THROWS_WITH(store.append_message(user_message(42, "lost")), "conversation 42");
    Statement count(db, "SELECT count(*) FROM messages", "count");
    count.step();
    CHECK_EQ(count.column_int64(0), 0);
}

TEST("an unknown reasoning mode is rejected by the schema") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore store(db);
    const auto c = store.create_conversation("modes");
    CHECK_THROWS_WITH(store.append_message(user_message(c.id, "x", "think-harder")), "CHECK constraint");
}

TEST("settings are stored, replaced, removed and survive reopening") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    {
        Database db(path);
        SettingsStore settings(db);
        CHECK(!settings.get("model.folder").has_value());
        CHECK_EQ(settings.get_or("model.folder", "none"), std::string("none"));
        settings.set("model.folder", "/models/a");
        settings.set("model.folder", "/models/b");
        settings.set("temporary", "1");
        settings.remove("temporary");
    }
    Database db(path);
    SettingsStore settings(db);
    CHECK_EQ(settings.get("model.folder").value_or(""), std::string("/models/b"));
    CHECK(!settings.get("temporary").has_value());
}

UNIT_MAIN()
