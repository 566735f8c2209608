// Branches, code blocks and the memory check in the real window with the demo model: edit a message and see
// the new reply, switch back with the arrow and see the old one, restart over the same database and find
// both; a regenerated reply is a sibling too; each fenced code block has its own Copy button that puts
// exactly that block on the clipboard (also while it streams); a model bigger than a small host budget is
// not loaded without asking. Screenshots go to <build>/screenshots.
#include "app/logging.hpp"
#include "demo_model_fixture.hpp"
#include "ui_harness.hpp"

#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QFontInfo>
#include <QGuiApplication>
#include <QQuickStyle>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using ui_test::UiHarness;

class BranchesTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dataDir_.isValid());
        QString error;
        demoFolder_ = ui_test::prepareDemoSuite(dataDir_.path(), error);
        QVERIFY2(!demoFolder_.isEmpty(), qPrintable(error));
    }

    void editSwitchBackAndRestart() {
        qint64 conversation = 0;
        QString oldReply, newReply;
        {
            UiHarness ui(dataDir_.path());
            QVERIFY(ui.ready());
            showWindow(ui);
            ui.context->model().useDemoModel();
            QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 30000);
            ui.context->settings().setMaxReplyTokens(8);
            auto& chat = ui.context->chat();
            auto& rows = ui.context->messages();
            chat.newConversation();
            QVERIFY(chat.sendMessage(QStringLiteral("First question"), QStringLiteral("standard")));
            QTRY_VERIFY_WITH_TIMEOUT(!chat.generating() && rows.rowCount() == 2, 60000);
            QVERIFY(chat.sendMessage(QStringLiteral("Second question"), QStringLiteral("standard")));
            QTRY_VERIFY_WITH_TIMEOUT(!chat.generating() && rows.rowCount() == 4, 60000);
            conversation = chat.currentConversationId();
            oldReply = rows.contentAt(3);
            QVERIFY(!ui.item("branchSwitch2")->isVisible());  // one version only: no arrows

            // Edit the second question in the window: same conversation, a new branch.
            QTRY_VERIFY(ui.item("editButton2") && ui.item("editButton2")->isVisible());
            QVERIFY(ui.click("editButton2"));
            QTRY_COMPARE(chat.editingRow(), 2);
            ui.item("composerInput")->setProperty("text", QString());
            ui.type(QStringLiteral("Second question, edited"));
            QTest::keyClick(ui.window, Qt::Key_Return);
            QTRY_VERIFY_WITH_TIMEOUT(!chat.generating() && rows.rowCount() == 4 && rows.at(3).id > 0, 60000);
            QCOMPARE(chat.currentConversationId(), conversation);
            QCOMPARE(rows.contentAt(0), QStringLiteral("First question"));
            QCOMPARE(rows.contentAt(2), QStringLiteral("Second question, edited"));
            newReply = rows.contentAt(3);
            QVERIFY(!newReply.isEmpty() && newReply != oldReply);  // the new reply, shown
            QTRY_VERIFY(ui.item("branchSwitch2") && ui.item("branchSwitch2")->isVisible());
            QCOMPARE(ui.item("branchLabel2")->property("text").toString(), QStringLiteral("2/2"));
            QVERIFY(!ui.item("branchSwitch0")->isVisible());
            saveScreenshot(ui, QStringLiteral("branches-edited.png"));

            // The arrow goes back: the old question and the old reply below it.
            QVERIFY(ui.click("branchPrev2"));
            QTRY_COMPARE(rows.contentAt(2), QStringLiteral("Second question"));
            QCOMPARE(rows.contentAt(3), oldReply);
            QTRY_COMPARE(ui.item("branchLabel2")->property("text").toString(), QStringLiteral("1/2"));
            QCOMPARE(ui.item("messageText3")->property("text").toString().isEmpty(), false);
            QVERIFY(!ui.item("branchPrev2")->isEnabled());
            QVERIFY(ui.item("branchNext2")->isEnabled());
            saveScreenshot(ui, QStringLiteral("branches-switched-back.png"));
        }
        // Restart over the same database: the old branch is still the one shown, the edit one arrow away.
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        auto& rows = ui.context->messages();
        QCOMPARE(ui.context->chat().currentConversationId(), conversation);
        QTRY_COMPARE(rows.rowCount(), 4);
        QCOMPARE(rows.contentAt(2), QStringLiteral("Second question"));
        QCOMPARE(rows.contentAt(3), oldReply);
        QTRY_VERIFY(ui.item("branchNext2") && ui.item("branchNext2")->isVisible());
        ui.settle();  // the rows were just loaded
        QVERIFY(ui.click("branchNext2"));
        QTRY_COMPARE(rows.contentAt(2), QStringLiteral("Second question, edited"));
        QCOMPARE(rows.contentAt(3), newReply);
    }

    void regenerateKeepsTheOldReplyAsASibling() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 30000);
        auto& chat = ui.context->chat();
        auto& rows = ui.context->messages();
        QTRY_COMPARE(rows.rowCount(), 4);  // the conversation from the test before
        const QString before = rows.contentAt(3);
        QSignalSpy finished(&chat, &fathom::app::ChatController::replyFinished);
        QTRY_VERIFY(ui.item("regenerateButton3") && ui.item("regenerateButton3")->isVisible());
        QVERIFY(ui.click("regenerateButton3"));
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 60000);
        QTRY_COMPARE(rows.rowCount(), 4);
        QVERIFY(rows.contentAt(3) != before);
        QTRY_COMPARE(ui.item("branchLabel3")->property("text").toString(), QStringLiteral("2/2"));
        ui.settle();  // the reply just finished: its row's buttons may still be moving
        QVERIFY(ui.click("branchPrev3"));
        QTRY_COMPARE(rows.contentAt(3), before);
        QCOMPARE(rows.rowCount(), 4);
    }

    void jsonExportCarriesEveryBranchAndMarkdownTheShownPath() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        auto& chat = ui.context->chat();
        auto& rows = ui.context->messages();
        QTRY_COMPARE(rows.rowCount(), 4);  // the branched conversation from the tests before
        const qint64 id = chat.currentConversationId();
        fathom::storage::Database db(ui.context->database().path());
        fathom::storage::ConversationStore store(db);
        const auto tree = store.all_messages(id);
        QCOMPARE(tree.size(), size_t(7));  // q1 a1, q2 a2 + a2', q2-edited a
        QTemporaryDir out;
        const QString json = QDir(out.path()).filePath(QStringLiteral("tree.json"));
        const QString md = QDir(out.path()).filePath(QStringLiteral("path.md"));
        QVERIFY(chat.exportConversation(id, QUrl::fromLocalFile(json)));
        QVERIFY(chat.exportConversation(id, QUrl::fromLocalFile(md)));
        QFile mdFile(md);
        QVERIFY(mdFile.open(QIODevice::ReadOnly));
        const QString markdown = QString::fromUtf8(mdFile.readAll());
        QCOMPARE(markdown.count(QStringLiteral("## You")), 2);  // the shown path only
        QVERIFY(markdown.contains(rows.contentAt(2)) && markdown.contains(rows.contentAt(3)));

        QStringList shown;
        for (int row = 0; row < rows.rowCount(); ++row) shown << rows.contentAt(row);
        const qint64 imported = chat.importConversation(QUrl::fromLocalFile(json));
        QVERIFY(imported > 0 && imported != id);
        QCOMPARE(store.all_messages(imported).size(), tree.size());
        QStringList importedPath;
        for (int row = 0; row < rows.rowCount(); ++row) importedPath << rows.contentAt(row);
        QCOMPARE(importedPath, shown);  // the same branch is the one shown
        QCOMPARE(rows.siblingIds(2).size(), size_t(2));
        QCOMPARE(rows.siblingIds(3).size(), size_t(2));
    }

    void eachCodeBlockHasACopyButton() {
        QTemporaryDir out;
        const QString json = QDir(out.path()).filePath(QStringLiteral("code.json"));
        QFile file(json);
        QVERIFY(file.open(QIODevice::WriteOnly));
        // Version 1 (a plain list, as older Fathom wrote) still imports.
        file.write(R"({"format": "fathom-conversation", "version": 1, "title": "Two code blocks",
  "messages": [
    {"role": "user", "content": "Show me C++ and a shell command"},
    {"role": "assistant", "completion_tokens": 70, "decode_ms": 900, "time_to_first_token_ms": 60,
     "content": "A **range-based** loop:\n\n```cpp\nfor (int x : values)\n    total += x;\n```\n\nThen build it:\n\n```bash\ncmake --build build -j2\n```\n\nThat is all."}
  ]})");
        file.close();
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        QVERIFY(ui.context->chat().importConversation(QUrl::fromLocalFile(json)) > 0);
        QTRY_VERIFY(ui.item("codeBlock1_1"));
        QVERIFY(ui.item("codeBlock1_0")->isVisible());
        QCOMPARE(ui.item("codeText1_0")->property("text").toString(), QStringLiteral("for (int x : values)\n    total += x;"));
        const QFont codeFont = ui.item("codeText1_0")->property("font").value<QFont>();
        QVERIFY2(QFontInfo(codeFont).fixedPitch(), qPrintable(QFontInfo(codeFont).family()));
        // The prose around the code is Markdown, rendered (no ** left), and holds no code.
        QQuickItem* prose = ui.item("messageText1");
        QVERIFY(prose);
        QCOMPARE(prose->property("textFormat").toInt(), int(Qt::MarkdownText));
        QString shown;
        QVERIFY(QMetaObject::invokeMethod(prose, "getText", Q_RETURN_ARG(QString, shown), Q_ARG(int, 0),
                                          Q_ARG(int, prose->property("length").toInt())));
        QVERIFY2(shown.contains(QStringLiteral("range-based")) && !shown.contains(QStringLiteral("**")) &&
                     !shown.contains(QStringLiteral("values")),
                 qPrintable(shown));
        QGuiApplication::clipboard()->setText(QStringLiteral("something else"));
        QVERIFY(ui.click("copyCode1_1"));
        QTRY_COMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("cmake --build build -j2"));
        QVERIFY(ui.click("copyCode1_0"));
        QTRY_COMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("for (int x : values)\n    total += x;"));
        QCOMPARE(ui.item("copyCode1_0")->property("text").toString(), QStringLiteral("Copied"));
        saveScreenshot(ui, QStringLiteral("code-blocks.png"));

        // While a reply streams, an open fence is already a code block with its button.
        auto& rows = ui.context->messages();
        rows.beginStreaming(QStringLiteral("standard"), QStringLiteral("test"));
        rows.appendStreaming(QString(), QStringLiteral("Streaming:\n```python\nprint('so far')\nx ="));
        QTRY_VERIFY(ui.item("codeText2_0"));
        QTRY_COMPARE(ui.item("codeText2_0")->property("text").toString(), QStringLiteral("print('so far')\nx ="));
        rows.appendStreaming(QString(), QStringLiteral(" 1\n```\nDone."));
        QTRY_COMPARE(ui.item("codeText2_0")->property("text").toString(), QStringLiteral("print('so far')\nx = 1"));
        QVERIFY(ui.item("copyCode2_0")->isVisible());
        rows.abandonStreaming();
    }

    void aModelOverTheHostBudgetAsksFirst() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        auto& model = ui.context->model();
        QTRY_VERIFY_WITH_TIMEOUT(!model.loading(), 30000);  // the saved demo folder loads at start (it fits)
        QVERIFY(model.ready());
        // The demo checkpoint is ~140 MB; a 0.05 GB budget is too small.
        ui.context->memoryBudget().setHostBudgetGb(0.05);
        model.loadFolder(demoFolder_);
        QVERIFY(!model.loading());
        QQuickItem* warning = ui.item("memoryWarning");
        QTRY_VERIFY(warning && warning->isVisible());
        const QString text = ui.item("memoryWarningText")->property("text").toString();
        QVERIFY2(text.contains(QStringLiteral("needs about 1")) && text.contains(QStringLiteral("MB")) &&
                     text.contains(QStringLiteral("budget of 50.0 MB")),
                 qPrintable(text));
        saveScreenshot(ui, QStringLiteral("memory-warning.png"));
        // Settings shows the same warning beside the budgets.
        QVERIFY(ui.click("settingsButton"));
        QTRY_VERIFY(ui.item("settingsPage")->isVisible());
        QTRY_VERIFY(ui.item("settingsMemoryWarning") && ui.item("settingsMemoryWarning")->isVisible());
        QCOMPARE(ui.item("settingsMemoryWarningText")->property("text").toString(), text);
        QCOMPARE(ui.item("hostBudgetField")->property("text").toString(), QStringLiteral("0.05"));
        scrollIntoView(ui.item("settingsMemoryWarning"));
        saveScreenshot(ui, QStringLiteral("settings-memory.png"));
        QVERIFY(ui.click("settingsButton"));
        QTRY_VERIFY(!ui.item("settingsPage")->isVisible());
        waitForLayout(warning);
        QVERIFY(ui.click("memoryWarningCancel"));
        QTRY_VERIFY(!warning->isVisible());
        QVERIFY(!model.loading());
        QVERIFY(ui.context->settings().modelFolderNote().contains(QStringLiteral("Not loaded")));
        // Asked again, the user loads it anyway.
        model.loadFolder(demoFolder_);
        QTRY_VERIFY(warning->isVisible());
        waitForLayout(warning);
        QVERIFY(ui.click("memoryWarningLoadAnyway"));
        QTRY_VERIFY(!warning->isVisible());
        QTRY_VERIFY(model.loading());  // the old model was kept while the warning waited; now it reloads
        QTRY_VERIFY_WITH_TIMEOUT(model.ready(), 30000);
        // The budget is a stored setting.
        ui.context->memoryBudget().setGpuBudgetGb(70);
        {
            fathom::storage::Database db(ui.context->database().path());
            fathom::storage::SettingsStore settings(db);
            QCOMPARE(settings.get("memory.host_budget_gb").value_or(""), std::string("0.05"));
            QCOMPARE(settings.get("memory.gpu_budget_gb").value_or(""), std::string("70"));
        }
        ui.context->memoryBudget().setHostBudgetGb(0);
        ui.context->memoryBudget().setGpuBudgetGb(0);
    }

private:
    // A panel that just became visible is laid out on the next polish; a click before that lands beside it.
    static void waitForLayout(QQuickItem* item) {
        QTRY_VERIFY(item->height() > 0 && qFuzzyCompare(item->height(), item->implicitHeight()));
        QTest::qWait(50);
    }

    // Scrolls the nearest Flickable above `item` so that the item's bottom is in view.
    static void scrollIntoView(QQuickItem* item) {
        QQuickItem* flickable = item->parentItem();
        while (flickable && !flickable->inherits("QQuickFlickable")) flickable = flickable->parentItem();
        if (!flickable) return;
        QQuickItem* content = flickable->property("contentItem").value<QQuickItem*>();
        const qreal bottom = item->mapToItem(content, QPointF(0, item->height())).y();
        flickable->setProperty("contentY", qMax<qreal>(0, bottom - flickable->height() + 20));
    }

    static void showWindow(UiHarness& ui) {
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
    }

    static void saveScreenshot(UiHarness& ui, const QString& name) {
        QTest::mouseMove(ui.window, QPoint(ui.window->width() - 5, ui.window->height() / 2));  // no tooltip in the picture
        QTest::qWait(600);  // tooltips fade out
        ui_test::saveScreenshot(ui, name);
    }

    QTemporaryDir dataDir_;
    QString demoFolder_;
};

QTEST_MAIN(BranchesTest)
#include "test_branches.moc"
