// AttachmentStore over a real file: attach, list in attachment order, idempotent attach, detach, survival
// across reopening, refusal of a missing conversation or document, and cascades from both sides.
#include "storage/attachment_store.hpp"
#include "storage/conversation_store.hpp"
#include "storage/document_store.hpp"
#include "temp_dir.hpp"
#include "unit.hpp"

using namespace fathom::storage;
using storage_test::TempDir;

namespace {
int64_t add_pdf(DocumentStore& store, const std::string& title, int64_t tokens) {
    Document doc;
    doc.source_path = "/papers/" + title;
    doc.kind = "pdf";
    doc.content_hash = "hash-" + title;
    doc.title = title;
    doc.token_count = tokens;
    DocumentPage page;
    page.page_number = 1;
    page.text = "text of " + title;
    page.token_count = tokens;
    return store.add_document(doc, {page}, {});
}
}  // namespace

TEST("attachments list in the order attached, with their documents, and survive reopening") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    int64_t conversation = 0, a = 0, b = 0;
    {
        Database db(path);
        ConversationStore conversations(db);
        DocumentStore documents(db);
        AttachmentStore attachments(db);
        conversation = conversations.create_conversation("c").id;
        b = add_pdf(documents, "b.pdf", 200);
        a = add_pdf(documents, "a.pdf", 100);
        CHECK(attachments.attach(conversation, a));
        CHECK(attachments.attach(conversation, b));
        CHECK(!attachments.attach(conversation, a));  // already there: no duplicate, order kept
    }
    Database db(path);
    AttachmentStore attachments(db);
    const auto list = attachments.list(conversation);
    CHECK_EQ(list.size(), size_t(2));
    CHECK_EQ(list[0].document_id, a);
    CHECK_EQ(list[1].document_id, b);
    CHECK_EQ(list[0].document.title, std::string("a.pdf"));
    CHECK_EQ(list[1].document.token_count, int64_t(200));
    CHECK(list[0].added_at > 0);
    CHECK(list[0].added_at < list[1].added_at);  // strictly ordered even within one millisecond
}

TEST("detach removes one attachment and says whether there was one") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore conversations(db);
    DocumentStore documents(db);
    AttachmentStore attachments(db);
    const int64_t c1 = conversations.create_conversation("one").id;
    const int64_t c2 = conversations.create_conversation("two").id;
    const int64_t doc = add_pdf(documents, "shared.pdf", 10);
    attachments.attach(c1, doc);
    attachments.attach(c2, doc);
    CHECK(attachments.detach(c1, doc));
    CHECK(!attachments.detach(c1, doc));
    CHECK(attachments.list(c1).empty());
    CHECK_EQ(attachments.list(c2).size(), size_t(1));  // the other conversation keeps it
    CHECK(documents.find_document(doc).has_value());    // detaching never deletes the document
}

TEST("attaching to a missing conversation or a missing document is refused") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore conversations(db);
    DocumentStore documents(db);
    AttachmentStore attachments(db);
    const int64_t c = conversations.create_conversation("c").id;
    const int64_t doc = add_pdf(documents, "x.pdf", 10);
    CHECK_THROWS_WITH(attachments.attach(c + 100, doc), "FOREIGN KEY");
    CHECK_THROWS_WITH(attachments.attach(c, doc + 100), "FOREIGN KEY");
    CHECK(attachments.list(c).empty());
}

TEST("deleting the conversation or the document removes its attachments") {
    TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore conversations(db);
    DocumentStore documents(db);
    AttachmentStore attachments(db);
    const int64_t c1 = conversations.create_conversation("one").id;
    const int64_t c2 = conversations.create_conversation("two").id;
    const int64_t d1 = add_pdf(documents, "d1.pdf", 10);
    const int64_t d2 = add_pdf(documents, "d2.pdf", 10);
    attachments.attach(c1, d1);
    attachments.attach(c1, d2);
    attachments.attach(c2, d1);
    documents.delete_document(d1);
    const auto left = attachments.list(c1);
    CHECK_EQ(left.size(), size_t(1));
    CHECK_EQ(left[0].document_id, d2);
    CHECK(attachments.list(c2).empty());
    conversations.delete_conversation(c1);
    Statement count(db, "SELECT COUNT(*) FROM attachments", "count attachments");
    CHECK(count.step());
    CHECK_EQ(count.column_int64(0), int64_t(0));
    CHECK(documents.find_document(d2).has_value());  // the document outlives the conversation
}

UNIT_MAIN()
