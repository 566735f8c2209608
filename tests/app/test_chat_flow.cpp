// The chat with the engine behind it, end to end in a real window with the (generated) demo model: the
// first-run offer, loading with progress, a streamed reply stored with its statistics, think mode's
// reasoning panel, Stop with Esc, Regenerate, Copy, the keyboard shortcuts, FTS search, export and import,
// and a bad model folder reported with the loader's message. Screenshots go to <build>/screenshots.
#include "app/control_text.hpp"
#include "app/logging.hpp"
#include "app/status_controller.hpp"
#include "demo_model_fixture.hpp"
#include "fathom/tokenizer.hpp"
#include "ui_harness.hpp"

#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QPalette>
#include <QQuickStyle>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>

using ui_test::UiHarness;
using ui_test::saveScreenshot;

class ChatFlowTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dataDir_.isValid());
        QString error;
        demoFolder_ = ui_test::prepareDemoSuite(dataDir_.path(), error);
        QVERIFY2(!demoFolder_.isEmpty(), qPrintable(error));
    }

    void firstRunOffersTheDemoModelAndLoadsIt() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        auto& model = ui.context->model();
        QCOMPARE(model.state(), QStringLiteral("none"));
        QVERIFY(model.demoModelAvailable());
        QCOMPARE(ui.item("statusText")->property("text").toString(),
                 QString::fromUtf8(fathom::app::StatusController::kNoModelText));
        QQuickItem* notice = ui.item("modelNoticeText");
        QVERIFY(notice && notice->isVisible());
        const QString offer = notice->property("text").toString();
        QVERIFY2(offer.contains(QStringLiteral("untrained")), qPrintable(offer));
        QVERIFY2(offer.contains(QStringLiteral("V4-Flash")) && offer.contains(QStringLiteral("Model folder")), qPrintable(offer));
        QVERIFY2(offer.contains(QStringLiteral("server")), qPrintable(offer));  // and how to use a remote V4 server
        saveScreenshot(ui, QStringLiteral("first-run.png"));

        QSignalSpy progress(&ui.context->engine(), &fathom::app::EngineWorker::loadProgress);
        QStringList loadTexts;
        connect(&model, &fathom::app::ModelController::progressChanged, this, [&] {
            if (!model.loadText().isEmpty()) loadTexts << model.loadText();
        });
        QVERIFY(ui.click("loadDemoModelButton"));
        QTRY_VERIFY_WITH_TIMEOUT(model.ready(), 30000);
        QVERIFY(progress.count() >= 1);  // the loader reported bytes as it went
        // ... and the status bar worded them: "Loading test-demo-model: 66.2 MB of 141.8 MB (47%)".
        const QString lastText = loadTexts.isEmpty() ? QString() : loadTexts.last();
        QVERIFY2(lastText.contains(QStringLiteral("MB of ")) && lastText.contains(QStringLiteral("%)")),
                 qPrintable(loadTexts.join(QStringLiteral(" | "))));
        QCOMPARE(ui.context->settings().modelFolder(), demoFolder_);
        const QString status = ui.item("statusText")->property("text").toString();
        QVERIFY2(status.contains(QStringLiteral("untrained demo")), qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("in RAM")) && status.contains(QStringLiteral("context 0 /")), qPrintable(status));
        // The notice now says the replies are noise, and no error appeared.
        QTRY_VERIFY(ui.item("modelNoticeText")->property("text").toString().contains(QStringLiteral("noise")));
        QVERIFY(!ui.context->status().hasError());
        // Settings show the loaded model and sampling from its generation_config.json defaults.
        QVERIFY(ui.click("settingsButton"));
        QTRY_VERIFY(ui.item("settingsPage")->isVisible());
        QVERIFY(ui.context->settings().samplingFromModel());
        const QString sampling = ui.item("samplingNote")->property("text").toString();
        QVERIFY2(sampling.contains(QStringLiteral("the model's defaults are temperature")), qPrintable(sampling));
        QVERIFY(ui.item("modelFolderNote")->property("text").toString().contains(QStringLiteral("untrained")));
        saveScreenshot(ui, QStringLiteral("settings-demo.png"));
        QVERIFY(ui.click("settingsButton"));
        QTRY_VERIFY(!ui.item("settingsPage")->isVisible());
    }

    void aCancelledLoadSaysSoAndLoadsNothing() {
        UiHarness ui(dataDir_.path());  // the saved demo folder starts loading on its own
        QVERIFY(ui.ready());
        QTRY_VERIFY(ui.context->model().loading());
        ui.context->model().cancelLoad();
        QTRY_VERIFY_WITH_TIMEOUT(!ui.context->model().loading(), 30000);
        QCOMPARE(ui.context->model().state(), QStringLiteral("none"));
        QCOMPARE(ui.context->settings().modelFolderNote(), QStringLiteral("Loading was cancelled."));
        QVERIFY(!ui.context->status().hasError());  // cancelling is not a failure
        QVERIFY(!ui.context->status().modelLoaded());
    }

    void aReplyStreamsInAndIsStoredWithItsStatistics() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 30000);
        ui.context->settings().setMaxReplyTokens(40);
        auto& chat = ui.context->chat();
        QSignalSpy finished(&chat, &fathom::app::ChatController::replyFinished);
        QSignalSpy deltas(&ui.context->engine(), &fathom::app::EngineWorker::textDelta);

        QVERIFY(ui.click("composerInput"));
        ui.type(QStringLiteral("Write a haiku about the sea"));
        QTest::keyClick(ui.window, Qt::Key_Return);
        QTRY_VERIFY(chat.generating());
        QTRY_COMPARE(ui.context->messages().rowCount(), 2);  // the reply row appears at once
        QVERIFY(ui.item("stopButton")->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 60000);
        QVERIFY(deltas.count() >= 1);
        QVERIFY(!chat.generating());

        // Stored with its statistics (what a restart reads back).
        const auto stored = ui.context->database().path();
        fathom::storage::Database db(stored);
        fathom::storage::ConversationStore store(db);
        const auto messages = store.messages(chat.currentConversationId());
        QCOMPARE(messages.size(), size_t(2));
        const auto& reply = messages[1];
        QCOMPARE(QString::fromStdString(reply.role), QStringLiteral("assistant"));
        QCOMPARE(reply.completion_tokens, int64_t(40));  // noise never says end-of-sentence this early
        QVERIFY(reply.prompt_tokens > 5);
        QVERIFY(reply.time_to_first_token_ms > 0);
        QVERIFY(reply.decode_ms > 0);
        QCOMPARE(QString::fromStdString(reply.mode), QStringLiteral("standard"));
        QCOMPARE(QString::fromStdString(reply.model), QStringLiteral("test-demo-model"));  // the model's folder
        QVERIFY(!reply.content.empty());
        QCOMPARE(ui.context->messages().contentAt(1), QString::fromStdString(reply.content));
        const QString stats = ui.item("messageStats1")->property("text").toString();
        QVERIFY2(stats.contains(QStringLiteral("40 tokens")) && stats.contains(QStringLiteral("tokens/s")) &&
                     stats.contains(QStringLiteral("first token")),
                 qPrintable(stats));
        // The answer is rendered as Markdown.
        QCOMPARE(ui.item("messageText1")->property("textFormat").toInt(), int(Qt::MarkdownText));
        const QString status = ui.context->status().text();
        QVERIFY2(!status.contains(QStringLiteral("context 0 /")), qPrintable(status));  // the context is in use now
        saveScreenshot(ui, QStringLiteral("chat-reply.png"));

        // Copy puts the reply on the clipboard.
        QVERIFY(ui.click("copyButton1"));
        QTRY_COMPARE(QGuiApplication::clipboard()->text(), QString::fromStdString(reply.content));

        // Regenerate shows a new reply in the same place; the old one stays as its sibling (test_branches).
        QVERIFY(ui.item("regenerateButton1") && ui.item("regenerateButton1")->isVisible());
        QVERIFY(ui.click("regenerateButton1"));
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, 60000);
        const auto after = store.messages(chat.currentConversationId());
        QCOMPARE(after.size(), size_t(2));
        QCOMPARE(store.all_messages(chat.currentConversationId()).size(), size_t(3));
        QCOMPARE(after[1].parent_id, after[0].id);
        QVERIFY(after[1].created_at >= reply.created_at);
        QCOMPARE(after[1].completion_tokens, int64_t(40));
        QCOMPARE(after[1].role, std::string("assistant"));
        QVERIFY(after[1].content != reply.content);  // another seed, another sample
    }

    void thinkModeStreamsReasoningIntoItsPanel() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 30000);
        ui.context->settings().setMaxReplyTokens(30);
        auto& chat = ui.context->chat();
        QTest::keyClick(ui.window, Qt::Key_N, Qt::ControlModifier);  // Ctrl+N: a new chat
        QTRY_COMPARE(ui.context->messages().rowCount(), 0);
        QQuickItem* selector = ui.item("reasoningModeSelector");
        QVERIFY(selector);
        selector->setProperty("currentIndex", 1);
        QCOMPARE(selector->property("currentText").toString(), QStringLiteral("think"));
        QSignalSpy finished(&chat, &fathom::app::ChatController::replyFinished);
        QTRY_VERIFY(ui.item("composerInput")->hasActiveFocus());  // Ctrl+N put the cursor in the composer
        ui.type(QStringLiteral("Why is the sky blue"));
        QTest::keyClick(ui.window, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!ui.context->messages().reasoningAt(1).isEmpty(), 30000);
        QTRY_VERIFY(ui.item("reasoningPanel1") && ui.item("reasoningPanel1")->isVisible());
        QVERIFY(ui.item("reasoningText1")->isVisible());  // open while it streams
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 60000);
        // A noise model never closes </think> within 30 tokens: everything is reasoning, no answer yet.
        QCOMPARE(ui.context->messages().at(1).reasoning_tokens, int64_t(30));
        QCOMPARE(QString::fromStdString(ui.context->messages().at(1).mode), QStringLiteral("think"));
        saveScreenshot(ui, QStringLiteral("think-reasoning.png"));
        // The panel folds.
        QVERIFY(ui.click("reasoningToggle1"));
        QTRY_VERIFY(!ui.item("reasoningText1")->isVisible());
        QVERIFY(ui.item("messageStats1")->property("text").toString().contains(QStringLiteral("think")));
    }

    void escapeStopsAReplyAndKeepsWhatWasWritten() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 30000);
        ui.context->settings().setMaxReplyTokens(20000);
        auto& chat = ui.context->chat();
        QSignalSpy finished(&chat, &fathom::app::ChatController::replyFinished);
        QVERIFY(chat.sendMessage(QStringLiteral("Tell me a very long story"), QStringLiteral("standard")));
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->messages().contentAt(ui.context->messages().rowCount() - 1).size() > 20, 30000);
        QVERIFY(chat.generating());
        QTRY_VERIFY(ui.context->status().text().contains(QStringLiteral("tokens/s")));  // the live rate
        QVERIFY2(!ui.context->status().text().contains(QStringLiteral("context 0 /")),  // the prompt counts
                 qPrintable(ui.context->status().text()));
        saveScreenshot(ui, QStringLiteral("streaming.png"));
        QTest::keyClick(ui.window, Qt::Key_Escape);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 10000);
        QVERIFY(!chat.generating());
        const auto& reply = ui.context->messages().at(ui.context->messages().rowCount() - 1);
        QCOMPARE(reply.role, std::string("assistant"));
        QVERIFY(reply.id > 0);  // stored
        QVERIFY(reply.completion_tokens > 0 && reply.completion_tokens < 20000);
        QVERIFY(ui.item("sendButton")->isVisible());
    }

    void searchFindsTitlesAndMessageTextWithCtrlK() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        auto& chat = ui.context->chat();
        ui.context->settings().setMaxReplyTokens(8);
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 30000);
        chat.newConversation();
        QVERIFY(chat.sendMessage(QStringLiteral("Plans for the lighthouse trip"), QStringLiteral("standard")));
        const qint64 lighthouse = chat.currentConversationId();
        QTRY_VERIFY_WITH_TIMEOUT(!chat.generating(), 60000);  // the demo model answers; let it finish
        chat.newConversation();
        QVERIFY(chat.sendMessage(QStringLiteral("Recipes for the long winter evenings by the fire\nThe secret ingredient is cardamom"),
                                 QStringLiteral("standard")));
        const qint64 recipes = chat.currentConversationId();
        QVERIFY(!chat.currentTitle().contains(QStringLiteral("cardam")));  // the automatic title stops before it
        QTRY_VERIFY_WITH_TIMEOUT(!chat.generating(), 60000);
        const int all = ui.context->conversations().rowCount();

        QTest::keyClick(ui.window, Qt::Key_K, Qt::ControlModifier);
        QTRY_VERIFY(ui.item("searchField")->hasActiveFocus());
        ui.type(QStringLiteral("cardam"));  // a word prefix of the message text, not the title
        QTRY_COMPARE(ui.context->conversations().rowCount(), 1);
        QCOMPARE(ui.context->conversations().idAt(0), recipes);
        saveScreenshot(ui, QStringLiteral("search.png"));
        for (int i = 0; i < 6; ++i) QTest::keyClick(ui.window, Qt::Key_Backspace);
        ui.type(QStringLiteral("LIGHTHOUSE"));  // the title, any case
        QTRY_COMPARE(ui.context->conversations().rowCount(), 1);
        QCOMPARE(ui.context->conversations().idAt(0), lighthouse);
        ui.item("searchField")->setProperty("text", QStringLiteral("\"unbalanced AND ("));  // taken literally
        QTRY_COMPARE(ui.context->conversations().rowCount(), 0);
        QVERIFY(!ui.context->status().hasError());
        ui.item("searchField")->setProperty("text", QString());
        QTRY_COMPARE(ui.context->conversations().rowCount(), all);
    }

    void exportToMarkdownAndJsonAndImportBack() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        auto& chat = ui.context->chat();
        ui.context->settings().setMaxReplyTokens(8);
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 30000);
        chat.newConversation();
        QVERIFY(chat.sendMessage(QStringLiteral("Export me, with `code`"), QStringLiteral("think")));
        const qint64 id = chat.currentConversationId();
        QTRY_VERIFY_WITH_TIMEOUT(!chat.generating(), 60000);
        const auto original = ui.context->messages().at(0);
        const auto reply = ui.context->messages().at(1);
        QTemporaryDir out;
        const QString md = QDir(out.path()).filePath(QStringLiteral("chat.md"));
        const QString json = QDir(out.path()).filePath(QStringLiteral("chat.json"));
        QVERIFY(chat.exportConversation(id, QUrl::fromLocalFile(md)));
        QVERIFY(chat.exportConversation(id, QUrl::fromLocalFile(json)));
        QFile mdFile(md);
        QVERIFY(mdFile.open(QIODevice::ReadOnly));
        const QString markdown = QString::fromUtf8(mdFile.readAll());
        QVERIFY2(markdown.startsWith(QStringLiteral("# Export me, with `code`")), qPrintable(markdown));
        QVERIFY(markdown.contains(QStringLiteral("## You\n\nExport me, with `code`")));
        QVERIFY(markdown.contains(QStringLiteral("## Fathom\n\n> **Reasoning**")));
        QVERIFY(markdown.contains(QStringLiteral("_8 tokens, mode think")));

        const qint64 imported = chat.importConversation(QUrl::fromLocalFile(json));
        QVERIFY(imported > 0 && imported != id);
        QCOMPARE(chat.currentConversationId(), imported);
        QCOMPARE(ui.context->messages().rowCount(), 2);
        QCOMPARE(ui.context->messages().at(0).content, original.content);
        QCOMPARE(ui.context->messages().at(0).mode, std::string("think"));
        QCOMPARE(ui.context->messages().at(0).created_at, original.created_at);
        QCOMPARE(ui.context->messages().at(1).reasoning, reply.reasoning);  // reasoning and statistics survive
        QCOMPARE(ui.context->messages().at(1).completion_tokens, reply.completion_tokens);
        QCOMPARE(ui.context->messages().at(1).decode_ms, reply.decode_ms);
        QCOMPARE(chat.currentTitle(), QStringLiteral("Export me, with `code`"));

        // A file that is not an export is refused with the reason, and nothing is created.
        const int before = ui.context->conversations().rowCount();
        QFile bad(QDir(out.path()).filePath(QStringLiteral("bad.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\"format\": \"something-else\", \"messages\": []}");
        bad.close();
        QCOMPARE(chat.importConversation(QUrl::fromLocalFile(bad.fileName())), qint64(0));
        QVERIFY2(ui.context->status().errorText().contains(QStringLiteral("not a Fathom export")),
                 qPrintable(ui.context->status().errorText()));
        QCOMPARE(ui.context->conversations().rowCount(), before);
    }

    void aBadModelFolderShowsTheLoadersMessage() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        QTemporaryDir broken;
        QFile config(QDir(broken.path()).filePath(QStringLiteral("config.json")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"model_type\": \"deepseek_v4\"}");
        config.close();
        QFile::copy(demoFolder_ + QStringLiteral("/tokenizer.json"), QDir(broken.path()).filePath(QStringLiteral("tokenizer.json")));
        ui.context->settings().setModelFolder(broken.path());
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->status().hasError(), 30000);
        const QString shown = ui.item("errorBannerText")->property("text").toString();
        QVERIFY2(shown.startsWith(QStringLiteral("Load model '%1'").arg(broken.path())), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("config.json")), qPrintable(shown));  // the loader names the file
        QVERIFY(!ui.context->model().ready());
        QCOMPARE(ui.context->status().text(), QString::fromUtf8(fathom::app::StatusController::kNoModelText));
        saveScreenshot(ui, QStringLiteral("bad-model-folder.png"));
        ui.context->settings().setModelFolder(QString());
    }

    void editingAMessageContinuesInABranchAndKeepsTheOld() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        ui.context->model().useDemoModel();
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 30000);
        ui.context->settings().setMaxReplyTokens(8);
        auto& chat = ui.context->chat();
        chat.newConversation();
        QVERIFY(chat.sendMessage(QStringLiteral("First question"), QStringLiteral("standard")));
        QTRY_VERIFY_WITH_TIMEOUT(!chat.generating(), 60000);
        QVERIFY(chat.sendMessage(QStringLiteral("Second question"), QStringLiteral("standard")));
        QTRY_VERIFY_WITH_TIMEOUT(!chat.generating(), 60000);
        const qint64 original = chat.currentConversationId();
        const int conversationsBefore = ui.context->conversations().rowCount();
        QCOMPARE(ui.context->messages().rowCount(), 4);
        const auto oldQuestion = ui.context->messages().at(2);

        QTRY_VERIFY(ui.item("editButton2") && ui.item("editButton2")->isVisible());
        QVERIFY(ui.click("editButton2"));
        QTRY_COMPARE(chat.editingRow(), 2);
        QQuickItem* input = ui.item("composerInput");
        QCOMPARE(input->property("text").toString(), QStringLiteral("Second question"));
        QVERIFY(ui.item("editingBar")->isVisible());
        saveScreenshot(ui, QStringLiteral("edit-message.png"));
        input->setProperty("text", QString());
        ui.type(QStringLiteral("Second question, edited"));
        QTest::keyClick(ui.window, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!chat.generating() && ui.context->messages().rowCount() == 4 &&
                                     ui.context->messages().at(3).id > 0,
                                 60000);
        // The same conversation continues in a new branch: no copy in the sidebar.
        QCOMPARE(chat.currentConversationId(), original);
        QCOMPARE(ui.context->conversations().rowCount(), conversationsBefore);
        const auto& branch = ui.context->messages();
        QCOMPARE(branch.contentAt(0), QStringLiteral("First question"));
        QCOMPARE(branch.roleAt(1), QStringLiteral("assistant"));
        QCOMPARE(branch.contentAt(2), QStringLiteral("Second question, edited"));
        QCOMPARE(branch.roleAt(3), QStringLiteral("assistant"));
        QCOMPARE(chat.currentTitle(), QStringLiteral("First question"));
        QCOMPARE(chat.editingRow(), -1);
        // The old branch is kept beside it (switching back is in test_branches).
        fathom::storage::Database db(ui.context->database().path());
        fathom::storage::ConversationStore store(db);
        QCOMPARE(store.all_messages(original).size(), size_t(6));
        QCOMPARE(store.sibling_ids(branch.at(2).id), (std::vector<int64_t>{oldQuestion.id, branch.at(2).id}));
        QCOMPARE(branch.at(2).parent_id, branch.at(1).id);
    }

    void controlTokenTextInAMessageStaysPlainText() {
        const auto tokenizerPath = std::filesystem::path(demoFolder_.toStdString()) / "tokenizer.json";
        const auto tokenizer = fathom::Tokenizer::load(tokenizerPath);
        const auto controls = fathom::app::readControlTexts(tokenizerPath);
        QVERIFY(controls.size() > 800);  // V4's special and placeholder tokens
        const std::string typed = "Explain <｜Assistant｜> and </think> please<｜end▁of▁sentence｜>";
        bool changed = false;
        const std::string sent = fathom::app::neutralizeControlText(typed, controls, &changed);
        QVERIFY(changed);
        const auto ids = tokenizer.encode(sent);
        for (const char* control : {"<｜Assistant｜>", "</think>", "<｜end▁of▁sentence｜>"}) {
            const auto id = tokenizer.added_token_id(control);
            QVERIFY(id.has_value());
            QVERIFY2(std::find(ids.begin(), ids.end(), *id) == ids.end(), control);
            // Without the guard the same text would carry the control token.
            const auto raw = tokenizer.encode(typed);
            QVERIFY(std::find(raw.begin(), raw.end(), *id) != raw.end());
        }
        // Ordinary text passes unchanged.
        const std::string plain = "a < b and c | d, 100% <b>bold</b>";
        QCOMPARE(fathom::app::neutralizeControlText(plain, controls, &changed), plain);
        QVERIFY(!changed);
    }

    void markdownRepliesRenderCodeBlocksAndFollowADarkPalette() {
        // A stored reply with Markdown (the noise model writes none), brought in through JSON import.
        QTemporaryDir out;
        const QString json = QDir(out.path()).filePath(QStringLiteral("markdown.json"));
        QFile file(json);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format": "fathom-conversation", "version": 1, "title": "Markdown rendering",
  "messages": [
    {"role": "user", "content": "Show me a loop in C++", "mode": "think"},
    {"role": "assistant", "mode": "think", "completion_tokens": 61, "decode_ms": 1200, "time_to_first_token_ms": 85,
     "reasoning": "The user wants a short example. A range-based for loop is the idiomatic choice.",
     "content": "Here is a **range-based** loop:

```cpp
for (int x : values)
    total += x;
```

- it reads every element
- `total` must start at 0"}
  ]})");
        file.close();
        // A dark system palette, as a dark desktop gives the app.
        const QPalette before = QGuiApplication::palette();
        QPalette dark = before;
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x24));
        dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
        QGuiApplication::setPalette(dark);
        {
            UiHarness ui(dataDir_.path());
            QVERIFY(ui.ready());
            showWindow(ui);
            ui.context->settings().setModelFolder(QString());
            QVERIFY(ui.context->chat().importConversation(QUrl::fromLocalFile(json)) > 0);
            QTRY_VERIFY(ui.item("messageText1"));
            QQuickItem* answer = ui.item("messageText1");
            QCOMPARE(answer->property("textFormat").toInt(), int(Qt::MarkdownText));
            // Rendered, not shown raw: the fences and emphasis markers are gone, the code is there.
            QString shown;
            QVERIFY(QMetaObject::invokeMethod(answer, "getText", Q_RETURN_ARG(QString, shown), Q_ARG(int, 0),
                                              Q_ARG(int, answer->property("length").toInt())));
            QVERIFY2(!shown.contains(QStringLiteral("```")) && !shown.contains(QStringLiteral("**")), qPrintable(shown));
            QVERIFY2(shown.contains(QStringLiteral("range-based")), qPrintable(shown));
            // The fenced code is its own monospace block (with a Copy button: test_branches).
            QTRY_VERIFY(ui.item("codeText1_0"));
            QCOMPARE(ui.item("codeText1_0")->property("text").toString(), QStringLiteral("for (int x : values)\n    total += x;"));
            QVERIFY(ui.item("codeBlock1_0")->isVisible());
            QVERIFY(ui.click("reasoningToggle1"));  // stored replies start folded
            QTRY_VERIFY(ui.item("reasoningText1")->isVisible());
            // The window follows the dark palette.
            QVERIFY(ui.window->color().lightnessF() < 0.5);
            saveScreenshot(ui, QStringLiteral("markdown-dark.png"));
        }
        QGuiApplication::setPalette(before);
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        showWindow(ui);
        QVERIFY(ui.window->color().lightnessF() > 0.5);
        QTRY_VERIFY(ui.item("messageText1"));
        saveScreenshot(ui, QStringLiteral("markdown-light.png"));
    }

private:
    static void showWindow(UiHarness& ui) {
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
    }

    QTemporaryDir dataDir_;
    QString demoFolder_;
};

QTEST_MAIN(ChatFlowTest)
#include "test_chat_flow.moc"
