// Message branches over a real file: edits and regenerated replies are siblings, the active path follows
// a switch and survives reopening, deletes cascade down a branch, and schema 4-era linear chats migrate
// into one path.
#include "storage/conversation_store.hpp"
#include "storage/migrations.hpp"
#include "temp_dir.hpp"
#include "unit.hpp"

#include <algorithm>

using namespace fathom::storage;
using storage_test::TempDir;

namespace {
Message message(int64_t conversation, const std::string& role, const std::string& text, int64_t parent = 0) {
    Message m;
    m.conversation_id = conversation;
    m.parent_id = parent;
    m.role = role;
    m.content = text;
    return m;
}

std::vector<std::string> path_text(ConversationStore& store, int64_t conversation) {
    std::vector<std::string> texts;
    for (const auto& m : store.messages(conversation)) texts.push_back(m.content);
    return texts;
}

using Texts = std::vector<std::string>;
}  // namespace

TEST("an edit starts a sibling branch; switching moves the whole path and survives reopening") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    int64_t conversation = 0, first_q2 = 0, edited_q2 = 0;
    {
        Database db(path);
        ConversationStore store(db);
        conversation = store.create_conversation("branches").id;
        const auto q1 = store.append_message(message(conversation, "user", "q1"));
        CHECK_EQ(q1.parent_id, int64_t(0));
        const auto a1 = store.append_message(message(conversation, "assistant", "a1"));
        CHECK_EQ(a1.parent_id, q1.id);
        first_q2 = store.append_message(message(conversation, "user", "q2")).id;
        store.append_message(message(conversation, "assistant", "a2"));
        // Edit q2: a sibling under a1, and its reply under it.
        edited_q2 = store.append_child(message(conversation, "user", "q2 edited", a1.id)).id;
        store.append_message(message(conversation, "assistant", "a2 for the edit"));
        CHECK(path_text(store, conversation) == Texts({"q1", "a1", "q2 edited", "a2 for the edit"}));
        CHECK(store.sibling_ids(edited_q2) == std::vector<int64_t>({first_q2, edited_q2}));
        CHECK(store.sibling_ids(q1.id) == std::vector<int64_t>({q1.id}));
        CHECK_EQ(store.message_count(conversation), 6);
        CHECK_EQ(store.all_messages(conversation).size(), size_t(6));
        // Back to the first q2: its reply comes with it.
        store.switch_branch(first_q2);
        CHECK(path_text(store, conversation) == Texts({"q1", "a1", "q2", "a2"}));
    }
    Database db(path);
    ConversationStore store(db);
    CHECK(path_text(store, conversation) == Texts({"q1", "a1", "q2", "a2"}));
    store.switch_branch(edited_q2);
    CHECK(path_text(store, conversation) == Texts({"q1", "a1", "q2 edited", "a2 for the edit"}));
    CHECK_THROWS_WITH(store.switch_branch(987654), "does not exist");
}

TEST("a regenerated reply is a sibling; a branch below a switch follows its most recent message") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore store(db);
    const int64_t c = store.create_conversation("regenerate").id;
    const auto q = store.append_message(message(c, "user", "q"));
    const auto a = store.append_message(message(c, "assistant", "a"));
    const auto b = store.append_child(message(c, "assistant", "b", q.id));
    CHECK(path_text(store, c) == Texts({"q", "b"}));
    CHECK(store.sibling_ids(a.id) == std::vector<int64_t>({a.id, b.id}));
    // Below a: two follow-ups; switching to a lands on the newer one.
    store.switch_branch(a.id);
    store.append_message(message(c, "user", "f1"));
    const auto f1 = store.messages(c).back();
    store.append_child(message(c, "user", "f2", a.id));
    store.switch_branch(b.id);
    CHECK(path_text(store, c) == Texts({"q", "b"}));
    store.switch_branch(a.id);
    CHECK(path_text(store, c) == Texts({"q", "a", "f2"}));
    store.switch_branch(f1.id);
    CHECK(path_text(store, c) == Texts({"q", "a", "f1"}));
}

TEST("editing the first message makes a second root") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore store(db);
    const int64_t c = store.create_conversation("roots").id;
    const auto first = store.append_message(message(c, "user", "first"));
    store.append_message(message(c, "assistant", "reply"));
    const auto other = store.append_child(message(c, "user", "first, edited"));
    CHECK(path_text(store, c) == Texts({"first, edited"}));
    CHECK(store.sibling_ids(other.id) == std::vector<int64_t>({first.id, other.id}));
    store.switch_branch(first.id);
    CHECK(path_text(store, c) == Texts({"first", "reply"}));
}

TEST("a parent from another conversation is refused and nothing is written") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore store(db);
    const int64_t c1 = store.create_conversation("one").id;
    const int64_t c2 = store.create_conversation("two").id;
    const auto q = store.append_message(message(c1, "user", "q"));
    CHECK_THROWS_WITH(store.append_child(message(c2, "assistant", "stray", q.id)), "is not in conversation");
    CHECK_EQ(store.message_count(c2), 0);
}

TEST("deleting a message removes its branch below; the path falls back; deleting the chat removes all") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore store(db);
    const int64_t c = store.create_conversation("cascade").id;
    const auto q1 = store.append_message(message(c, "user", "q1"));
    const auto a1 = store.append_message(message(c, "assistant", "a1"));
    const auto q2 = store.append_message(message(c, "user", "q2"));
    store.append_message(message(c, "assistant", "a2"));
    const auto q2b = store.append_child(message(c, "user", "q2b", a1.id));
    store.append_message(message(c, "assistant", "a2b"));
    CHECK_EQ(store.message_count(c), 6);
    store.delete_message(q2b.id);  // the active branch: q2b and a2b go
    CHECK_EQ(store.message_count(c), 4);
    CHECK(path_text(store, c) == Texts({"q1", "a1", "q2", "a2"}));  // the remaining newest leaf
    CHECK(store.sibling_ids(q2.id) == std::vector<int64_t>({q2.id}));
    store.delete_message(q1.id);  // the root: everything below goes
    CHECK_EQ(store.message_count(c), 0);
    CHECK(store.messages(c).empty());
    store.append_message(message(c, "user", "again"));
    CHECK(path_text(store, c) == Texts({"again"}));
    store.delete_conversation(c);
    Statement left(db, "SELECT count(*) FROM messages", "count");
    left.step();
    CHECK_EQ(left.column_int64(0), 0);
    CHECK_EQ(db.integrity_check(), std::string("ok"));
}

TEST("chats stored before branches migrate into one path each") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    {
        Database old(path, OpenOptions{.migrate = false});
        const auto all = schema_migrations();
        const auto before = std::find_if(all.begin(), all.end(), [](const Migration& m) { return m.version >= 5; });
        old.migrate(std::span<const Migration>(all.begin(), before));  // schema 4: no parents yet
        CHECK_EQ(old.user_version(), 4);
        old.exec("INSERT INTO conversations(id, title, created_at, updated_at) VALUES (1, 'a', 1, 1), (2, 'b', 1, 1), "
                 "(3, 'empty', 1, 1);"
                 "INSERT INTO messages(id, conversation_id, role, content, created_at) VALUES "
                 "(10, 1, 'user', 'a-q1', 1), (11, 2, 'user', 'b-q1', 1), (12, 1, 'assistant', 'a-a1', 1), "
                 "(13, 1, 'user', 'a-q2', 1), (14, 2, 'assistant', 'b-a1', 1);",
                 "write a schema-4 database");
    }
    Database db(path);
    CHECK_EQ(db.user_version(), latest_schema_version());
    ConversationStore store(db);
    CHECK(path_text(store, 1) == Texts({"a-q1", "a-a1", "a-q2"}));
    CHECK(path_text(store, 2) == Texts({"b-q1", "b-a1"}));
    CHECK(store.messages(3).empty());
    const auto a = store.messages(1);
    CHECK_EQ(a[0].parent_id, int64_t(0));
    CHECK_EQ(a[1].parent_id, int64_t(10));
    CHECK_EQ(a[2].parent_id, int64_t(12));
    // New messages continue the migrated path.
    const auto next = store.append_message(message(1, "assistant", "a-a2"));
    CHECK_EQ(next.parent_id, int64_t(13));
}

UNIT_MAIN()
