// Deleting a conversation with undo in the real window: the row goes at once and an undo bar names it; Undo brings
// it back with its messages, branches and attachments; once the window ends (or the app quits, or was killed with
// the mark left in the file) it is removed from the database for good and a restart does not bring it back.
#include "storage/attachment_store.hpp"
#include "storage/conversation_store.hpp"
#include "storage/document_store.hpp"
#include "ui_harness.hpp"

#include <QDir>
#include <QQuickStyle>
#include <QTemporaryDir>
#include <QTest>

using ui_test::UiHarness;
using ui_test::saveScreenshot;
using namespace fathom;

namespace {
storage::Message message(qint64 conversation, const char* role, const char* text, qint64 parent) {
    storage::Message m;
    m.conversation_id = conversation;
    m.parent_id = parent;
    m.role = role;
    m.content = text;
    return m;
}

// Rows in the file itself, past any filter of the store.
qint64 rowsIn(storage::Database& db, const char* table, const char* column, qint64 id) {
    storage::Statement count(db, std::string("SELECT count(*) FROM ") + table + " WHERE " + column + " = ?", "count rows");
    count.bind(1, static_cast<int64_t>(id));
    count.step();
    return count.column_int64(0);
}

qint64 conversationRows(storage::Database& db, qint64 id) { return rowsIn(db, "conversations", "id", id); }
}  // namespace

class DeleteUndoTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dataDir_.isValid());
        QQuickStyle::setStyle(QStringLiteral("Material"));
    }

    void deleteUndoThenExpireAndRestart() {
        qint64 doomed = 0, kept = 0, branch = 0;
        {
            UiHarness ui(dataDir_.path());
            QVERIFY(ui.ready());
            ui.window->show();
            QVERIFY(QTest::qWaitForWindowExposed(ui.window));
            // A conversation with a branch (an edited first question) and an attached document, and another one.
            storage::Database& db = ui.context->database();
            storage::ConversationStore store(db);
            kept = store.create_conversation("Kept conversation").id;
            store.append_message(message(kept, "user", "still here?", 0));
            doomed = store.create_conversation("Sparse experts").id;
            const qint64 q1 = store.append_child(message(doomed, "user", "How many experts?", 0)).id;
            store.append_child(message(doomed, "assistant", "256 routed experts.", q1));
            branch = store.append_child(message(doomed, "user", "How many experts per token?", 0)).id;
            store.append_child(message(doomed, "assistant", "Eight per token.", branch));
            storage::Document doc;
            doc.source_path = "/notes/experts.md";
            doc.kind = "text";
            doc.content_hash = "hash-experts";
            doc.title = "experts.md";
            storage::DocumentPage part;
            part.file_path = "experts.md";
            part.text = "notes";
            const qint64 document = storage::DocumentStore(db).add_document(doc, {part}, {});
            storage::AttachmentStore(db).attach(doomed, document);
            auto& chat = ui.context->chat();
            auto& conversations = ui.context->conversations();
            conversations.reload();
            chat.selectConversation(doomed);
            QTRY_VERIFY(ui.item("messageText1"));
            QVERIFY(!ui.item("undoBar")->isVisible());

            // Delete from the row's menu: no confirmation, the row goes at once and the bar names it.
            const int row = conversations.rowOf(doomed);
            QVERIFY(row >= 0);
            QVERIFY(ui.click(qPrintable(QStringLiteral("conversationMenuButton%1").arg(row))));
            QTRY_VERIFY(ui.item("deleteMenuItem") && ui.item("deleteMenuItem")->isVisible());
            QTest::qWait(300);  // the menu's open transition
            QVERIFY(ui.click("deleteMenuItem"));
            QTRY_COMPARE(conversations.rowOf(doomed), -1);
            QCOMPARE(conversations.rowCount(), 1);
            QCOMPARE(chat.currentConversationId(), kept);  // the view moves to what is left
            QTRY_VERIFY(ui.item("undoBar")->isVisible());
            QCOMPARE(ui.item("undoBarText")->property("text").toString(), QStringLiteral("Deleted \u2018Sparse experts\u2019"));
            QCOMPARE(conversationRows(db, doomed), 1);  // only hidden so far
            saveScreenshot(ui, QStringLiteral("delete-undo-bar.png"));

            // Undo: back whole, and shown.
            QTest::qWait(300);
            QVERIFY(ui.click("undoDeleteButton"));
            QTRY_VERIFY(conversations.rowOf(doomed) >= 0);
            QCOMPARE(chat.currentConversationId(), doomed);
            QTRY_VERIFY(!ui.item("undoBar")->isVisible());
            QCOMPARE(ui.context->messages().rowCount(), 2);  // the active path: the edited question and its reply
            QCOMPARE(ui.context->messages().contentAt(1), QStringLiteral("Eight per token."));
            QCOMPARE(store.all_messages(doomed).size(), size_t(4));
            QCOMPARE(store.sibling_ids(branch).size(), size_t(2));
            QCOMPARE(storage::AttachmentStore(db).list(doomed).size(), size_t(1));
            QTRY_COMPARE(ui.item("messageText1")->property("text").toString().trimmed(), QStringLiteral("Eight per token."));

            // Delete again and let a short window run out: removed from the file, messages and attachments too.
            chat.deletion().setWindowMs(400);
            QVERIFY(chat.deleteConversation(doomed));
            QTRY_VERIFY(ui.item("undoBar")->isVisible());
            QTRY_VERIFY_WITH_TIMEOUT(!ui.item("undoBar")->isVisible(), 5000);
            QCOMPARE(conversationRows(db, doomed), 0);
            QCOMPARE(rowsIn(db, "messages", "conversation_id", doomed), 0);
            QCOMPARE(rowsIn(db, "attachments", "conversation_id", doomed), 0);
            QVERIFY(!chat.undoDelete());  // too late
            QCOMPARE(conversations.rowOf(doomed), -1);
        }
        // Restart over the same database: gone, the other one kept.
        {
            UiHarness ui(dataDir_.path());
            QVERIFY(ui.ready());
            QCOMPARE(ui.context->conversations().rowCount(), 1);
            QCOMPARE(ui.context->conversations().idAt(0), kept);
            QCOMPARE(ui.context->conversations().rowOf(doomed), -1);

            // The bar's × ends the window at once.
            ui.window->show();
            QVERIFY(QTest::qWaitForWindowExposed(ui.window));
            storage::ConversationStore store(ui.context->database());
            const qint64 closed = store.create_conversation("Closed with the cross").id;
            store.append_message(message(closed, "user", "gone now?", 0));
            ui.context->conversations().reload();
            QVERIFY(ui.context->chat().deleteConversation(closed));
            QTRY_VERIFY(ui.item("undoBar")->isVisible());
            QTest::qWait(300);
            QVERIFY(ui.click("undoBarCloseButton"));
            QTRY_VERIFY(!ui.item("undoBar")->isVisible());
            QCOMPARE(conversationRows(ui.context->database(), closed), 0);
            QCOMPARE(rowsIn(ui.context->database(), "messages", "conversation_id", closed), 0);

            // Quitting inside the window deletes as asked (the default 8 s window has not ended).
            QCOMPARE(ui.context->chat().deletion().windowMs(), 8000);
            QVERIFY(ui.context->chat().deleteConversation(kept));
            QVERIFY(ui.context->chat().deletion().pending());
        }
        {
            storage::Database db(QDir(dataDir_.path()).filePath(QStringLiteral("fathom.db")).toStdString());
            QCOMPARE(conversationRows(db, kept), 0);
            QCOMPARE(rowsIn(db, "messages", "conversation_id", kept), 0);
        }
    }

    void aMarkLeftByAKilledAppIsPurgedAtStart() {
        qint64 ghost = 0;
        {
            // What a kill inside the undo window leaves: the conversation marked, nothing purged.
            storage::Database db(QDir(dataDir_.path()).filePath(QStringLiteral("fathom.db")).toStdString());
            storage::ConversationStore store(db);
            ghost = store.create_conversation("Killed mid-undo").id;
            store.append_message(message(ghost, "user", "am I a ghost?", 0));
            store.mark_deleted(ghost);
            QCOMPARE(conversationRows(db, ghost), 1);
        }
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        QCOMPARE(ui.context->conversations().rowOf(ghost), -1);
        QVERIFY(!ui.context->chat().deletion().pending());  // nothing to undo after a restart
        QCOMPARE(conversationRows(ui.context->database(), ghost), 0);
        QCOMPARE(rowsIn(ui.context->database(), "messages", "conversation_id", ghost), 0);
    }

private:
    QTemporaryDir dataDir_;
};

QTEST_MAIN(DeleteUndoTest)
#include "test_delete_undo.moc"
