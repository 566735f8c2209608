// Deleting with undo over a real file: a conversation marked deleted is hidden from the list, find and search but
// kept whole (messages, branches, attachments) until restored or purged; purging cascades; a mark survives reopening
// (a quit or crash inside the undo window) and the start-up purge removes it; schema 6 files gain the column.
#include "storage/attachment_store.hpp"
#include "storage/conversation_store.hpp"
#include "storage/document_store.hpp"
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

int64_t add_text_document(DocumentStore& store, const std::string& title) {
    Document doc;
    doc.source_path = "/notes/" + title;
    doc.kind = "text";
    doc.content_hash = "hash-" + title;
    doc.title = title;
    DocumentPage part;
    part.file_path = title;
    part.text = "notes about " + title;
    return store.add_document(doc, {part}, {});
}

// Rows actually in the file, whatever the store's filters say.
int64_t rows(Database& db, const std::string& table, int64_t conversation) {
    Statement count(db, "SELECT count(*) FROM " + table + " WHERE conversation_id = ?", "count " + table);
    count.bind(1, conversation);
    count.step();
    return count.column_int64(0);
}

bool conversation_row_exists(Database& db, int64_t id) {
    Statement query(db, "SELECT 1 FROM conversations WHERE id = ?", "find conversation row");
    query.bind(1, id);
    return query.step();
}

struct Fixture {
    int64_t doomed = 0, kept = 0, document = 0, branch = 0;
};

// Two conversations sharing a word; the doomed one has a branch (an edited question) and an attachment.
Fixture fill(Database& db) {
    ConversationStore store(db);
    DocumentStore documents(db);
    AttachmentStore attachments(db);
    Fixture f;
    f.kept = store.create_conversation("Kept: sparse attention").id;
    store.append_message(message(f.kept, "user", "what is sparse attention?"));
    f.doomed = store.create_conversation("Doomed: sparse experts").id;
    const Message q1 = store.append_message(message(f.doomed, "user", "how many sparse experts?"));
    store.append_message(message(f.doomed, "assistant", "256 routed experts"));
    f.branch = store.append_child(message(f.doomed, "user", "how many sparse experts per token?", 0)).id;
    store.append_message(message(f.doomed, "assistant", "8 per token"));
    CHECK(q1.id != f.branch);
    f.document = add_text_document(documents, "experts.md");
    attachments.attach(f.doomed, f.document);
    return f;
}
}  // namespace

TEST("a conversation marked deleted is hidden from the list, find and search, and kept whole") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    const Fixture f = fill(db);
    ConversationStore store(db);
    CHECK_EQ(store.search_conversations("sparse").size(), size_t(2));

    store.mark_deleted(f.doomed);
    const auto listed = store.list_conversations();
    CHECK_EQ(listed.size(), size_t(1));
    CHECK_EQ(listed[0].id, f.kept);
    CHECK(!store.find_conversation(f.doomed).has_value());
    const auto found = store.search_conversations("sparse");
    CHECK_EQ(found.size(), size_t(1));
    CHECK_EQ(found[0].id, f.kept);
    CHECK(store.search_conversations("routed").empty());  // its message text is hidden too
    // Nothing of it is gone yet.
    CHECK_EQ(rows(db, "messages", f.doomed), 4);
    CHECK_EQ(rows(db, "attachments", f.doomed), 1);
    // Marking twice is refused: it is already on its way out.
    CHECK_THROWS_WITH(store.mark_deleted(f.doomed), "does not exist");
    CHECK_THROWS_WITH(store.mark_deleted(987654), "does not exist");
}

TEST("restoring brings back messages, the active branch and attachments") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    const Fixture f = fill(db);
    ConversationStore store(db);
    const auto before = store.messages(f.doomed);
    store.mark_deleted(f.doomed);
    store.restore_deleted(f.doomed);

    CHECK_EQ(store.list_conversations().size(), size_t(2));
    CHECK_EQ(store.find_conversation(f.doomed)->title, std::string("Doomed: sparse experts"));
    const auto after = store.messages(f.doomed);
    CHECK_EQ(after.size(), before.size());
    CHECK_EQ(after.back().content, std::string("8 per token"));
    CHECK_EQ(store.all_messages(f.doomed).size(), size_t(4));
    CHECK_EQ(store.sibling_ids(f.branch).size(), size_t(2));  // the edit is still a branch
    CHECK_EQ(store.search_conversations("routed").size(), size_t(1));
    const auto attached = AttachmentStore(db).list(f.doomed);
    CHECK_EQ(attached.size(), size_t(1));
    CHECK_EQ(attached[0].document_id, f.document);
    // Restoring one that is not marked is refused.
    CHECK_THROWS_WITH(store.restore_deleted(f.doomed), "not waiting to be deleted");
}

TEST("purging removes only marked conversations and cascades to messages and attachments, not documents") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    const Fixture f = fill(db);
    ConversationStore store(db);
    CHECK_EQ(store.purge_deleted(f.doomed), 0);  // not marked: purge leaves it alone
    CHECK_EQ(store.purge_deleted(), 0);
    CHECK(conversation_row_exists(db, f.doomed));

    store.mark_deleted(f.doomed);
    CHECK_EQ(store.purge_deleted(f.kept), 0);
    CHECK_EQ(store.purge_deleted(f.doomed), 1);
    CHECK(!conversation_row_exists(db, f.doomed));
    CHECK_EQ(rows(db, "messages", f.doomed), 0);
    CHECK_EQ(rows(db, "attachments", f.doomed), 0);
    CHECK(DocumentStore(db).find_document(f.document).has_value());  // the library keeps the document
    CHECK_THROWS_WITH(store.restore_deleted(f.doomed), "not waiting to be deleted");
    CHECK_EQ(store.list_conversations().size(), size_t(1));
    CHECK_EQ(rows(db, "messages", f.kept), 1);
}

TEST("a mark left by a quit or crash survives reopening, stays hidden, and the start-up purge removes it") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    Fixture f;
    {
        Database db(path);
        f = fill(db);
        ConversationStore(db).mark_deleted(f.doomed);
    }
    Database db(path);
    ConversationStore store(db);
    CHECK_EQ(store.list_conversations().size(), size_t(1));  // no ghost before the purge either
    CHECK(conversation_row_exists(db, f.doomed));
    CHECK_EQ(store.purge_deleted(), 1);
    CHECK(!conversation_row_exists(db, f.doomed));
    CHECK_EQ(rows(db, "messages", f.doomed), 0);
    CHECK_EQ(store.list_conversations().size(), size_t(1));
}

TEST("a schema-6 file gains the deleted mark with every conversation still listed") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    {
        Database old(path, OpenOptions{.migrate = false});
        const auto all = schema_migrations();
        const auto before = std::find_if(all.begin(), all.end(), [](const Migration& m) { return m.version >= 7; });
        old.migrate(std::span<const Migration>(all.begin(), before));
        CHECK_EQ(old.user_version(), 6);
        old.exec("INSERT INTO conversations(id, title, created_at, updated_at) VALUES (1, 'a', 1, 1), (2, 'b', 2, 2);",
                 "write a schema-6 database");
    }
    Database db(path);
    CHECK_EQ(db.user_version(), latest_schema_version());
    ConversationStore store(db);
    CHECK_EQ(store.list_conversations().size(), size_t(2));
    store.mark_deleted(1);
    CHECK_EQ(store.list_conversations().size(), size_t(1));
}

UNIT_MAIN()
