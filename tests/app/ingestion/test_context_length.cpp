// The context length setting in the real window under Xvfb with the demo model: typed in Settings, it bounds the
// attached documents (what no longer fits is named above the composer), the status bar's "context N / M", and the
// reply, which stops at it with finish reason "length"; a prompt that fills it is refused with the numbers; it is
// bounded by the model's maximum and kept across a restart; with no model loaded (replies from a remote server)
// the setting alone is the context the documents are measured against.
#include "app/logging.hpp"
#include "demo_model_fixture.hpp"
#include "ingestion_test_support.hpp"
#include "ui_harness.hpp"

#include <QFile>
#include <QQuickStyle>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using fathom::app::ChatContextBuilder;
using fathom::app::GenerationRequest;
using fathom::app::GenerationResult;
using fathom::ingestion::IngestionController;
using ui_test::UiHarness;

class ContextLengthTest : public QObject {
    Q_OBJECT

private:
    // Sends a question and waits for the whole reply; returns what the engine reported.
    GenerationResult ask(UiHarness& ui, const QString& question) {
        auto& chat = ui.context->chat();
        QSignalSpy finished(&chat, &fathom::app::ChatController::replyFinished);
        QSignalSpy result(&ui.context->engine(), &fathom::app::EngineWorker::generationFinished);
        if (!chat.sendMessage(question, QStringLiteral("standard"))) return {};
        if (!QTest::qWaitFor([&] { return finished.count() == 1; }, 120000)) return {};
        return result.isEmpty() ? GenerationResult{} : result.first().at(0).value<GenerationResult>();
    }

    QString statusText(UiHarness& ui) { return ui.item("statusText")->property("text").toString(); }

    // Types into the Settings field as a user would (select all, type, Return).
    void typeContextLength(UiHarness& ui, const QString& value) {
        QQuickItem* field = ui.item("contextLengthField");
        QVERIFY(field && field->isVisible());
        QVERIFY(ui.click("contextLengthField"));
        QTRY_VERIFY(field->hasActiveFocus());
        QTest::keyClick(ui.window, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClick(ui.window, Qt::Key_Backspace);
        ui.type(value);
        QTest::keyClick(ui.window, Qt::Key_Return);
    }

private slots:
    void initTestCase() {
        QVERIFY(dataDir_.isValid());
        QString error;
        demoFolder_ = ui_test::prepareDemoSuite(dataDir_.path(), error);
        QVERIFY2(!demoFolder_.isEmpty(), qPrintable(error));
    }

    void aSmallContextBoundsDocumentsStatusAndReply() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        auto& model = ui.context->model();
        auto& settings = ui.context->settings();
        model.useDemoModel();
        QTRY_VERIFY_WITH_TIMEOUT(model.ready(), 60000);
        const qint64 maximum = model.maxContext();
        QVERIFY2(maximum >= 2048, qPrintable(QString::number(maximum)));
        QCOMPARE(settings.contextLength(), 0);  // default: the model's maximum
        QCOMPARE(model.contextLimit(), maximum);
        QTRY_VERIFY2(statusText(ui).contains(QStringLiteral("context 0 / %1 tokens").arg(maximum)), qPrintable(statusText(ui)));
        settings.setMaxReplyTokens(16);

        // Forty pages (some 1300 tokens) fit the model's whole context.
        std::vector<std::string> pages;
        for (int i = 1; i <= 40; ++i)
            pages.push_back("Page " + std::to_string(i) + " of the harbour log says the ferry left at dawn carrying "
                            "grain, wool, letters and two goats across the grey water to the island");
        const QString pdf = files_.filePath("harbour.pdf");
        ingestion_test::writeFile(pdf, ingestion_test::textPdf(pages));
        QSignalSpy ingested(&ui.context->ingestion(), &IngestionController::ingestFinished);
        ui.context->chat().newConversation();
        ui.context->attachments().addPath(pdf);
        QTRY_COMPARE_WITH_TIMEOUT(ingested.count(), 1, 20000);
        ask(ui, QStringLiteral("When did the ferry leave?"));
        ChatContextBuilder& builder = ui.context->contextBuilder();
        QCOMPARE(builder.lastContext().contextTokens, maximum);
        QVERIFY(builder.lastContext().leftOut.isEmpty());
        QVERIFY(!ui.item("attachmentNotice")->isVisible());

        // Settings: 1000 tokens, typed in the field.
        QVERIFY(ui.click("settingsButton"));
        QTRY_VERIFY(ui.item("contextLengthField") && ui.item("contextLengthField")->isVisible());
        typeContextLength(ui, QStringLiteral("1000"));
        QTRY_COMPARE(settings.contextLength(), 1000);
        QCOMPARE(model.contextLimit(), qint64(1000));
        QTRY_VERIFY2(statusText(ui).contains(QStringLiteral(" / 1000 tokens")), qPrintable(statusText(ui)));
        QCOMPARE(ui.item("contextLengthNote")->property("text").toString(),
                 QStringLiteral("The prompt, its documents and the reply stop at 1000 of the model's %1 tokens.").arg(maximum));
        ui_test::saveScreenshot(ui, QStringLiteral("settings-context-length.png"));
        QVERIFY(ui.click("settingsButton"));  // back to the chat

        // The same document no longer fits: the later pages are left out, and the bar says which.
        ask(ui, QStringLiteral("And the goats?"));
        const fathom::app::DocumentContext small = builder.lastContext();
        QCOMPARE(small.contextTokens, qint64(1000));
        QVERIFY(small.budgetTokens < 1000 - 16);
        QVERIFY(small.blockTokens <= small.budgetTokens);
        QCOMPARE(small.leftOut.size(), qsizetype(1));
        QVERIFY2(small.leftOut.first().contains(QStringLiteral("to page 40")), qPrintable(small.leftOut.first()));
        QQuickItem* notice = ui.item("attachmentNotice");
        QTRY_VERIFY(notice->isVisible());
        QVERIFY2(notice->property("text").toString().contains(small.leftOut.first()),
                 qPrintable(notice->property("text").toString()));
        ui_test::saveScreenshot(ui, QStringLiteral("context-length-left-out.png"));

        // The reply stops where the context is full: a new conversation, 300 tokens, replies of up to 1000.
        settings.setMaxReplyTokens(1000);
        settings.setContextLength(300);
        QTRY_VERIFY2(statusText(ui).contains(QStringLiteral(" / 300 tokens")), qPrintable(statusText(ui)));
        ui.context->chat().newConversation();
        const GenerationResult full = ask(ui, QStringLiteral("Tell me a long story about the sea."));
        QCOMPARE(full.finishReason, QStringLiteral("length"));
        QVERIFY(full.promptTokens > 0 && full.promptTokens < 300);
        QCOMPARE(full.completionTokens, 300 - full.promptTokens);
        QVERIFY2(full.contextUsed <= 300, qPrintable(QString::number(full.contextUsed)));
        QTRY_VERIFY2(statusText(ui).contains(QStringLiteral("context %1 / 300 tokens").arg(full.contextUsed)),
                     qPrintable(statusText(ui)));

        // A prompt that already fills the context is refused with the numbers, not cut.
        settings.setContextLength(256);
        QString longQuestion;
        for (int i = 0; i < 100; ++i) longQuestion += QStringLiteral("lighthouse keeper counted ships ");
        ui.context->chat().newConversation();
        QSignalSpy failed(&ui.context->engine(), &fathom::app::EngineWorker::generationFailed);
        ask(ui, longQuestion);
        QCOMPARE(failed.count(), 1);
        QVERIFY2(ui.context->status().errorText().contains(QStringLiteral("fills the context length of 256 tokens")),
                 qPrintable(ui.context->status().errorText()));
        ui.context->status().dismissError();

        // Above the model's maximum, the maximum holds.
        settings.setContextLength(int(maximum) * 2);
        QCOMPARE(model.contextLimit(), maximum);
        QCOMPARE(ui.item("contextLengthNote")->property("text").toString(),
                 QStringLiteral("Bounded by the model's maximum: %1 tokens.").arg(maximum));
        settings.setContextLength(1000);
    }

    void theSettingIsKeptAndTheModelMaximumComesBack() {
        UiHarness ui(dataDir_.path());  // the demo model folder is saved and loads on its own
        QVERIFY(ui.ready());
        QCOMPARE(ui.context->settings().contextLength(), 1000);
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 60000);
        QCOMPARE(ui.context->model().contextLimit(), qint64(1000));
        ui.context->settings().setContextLength(0);  // "Use the model's maximum"
        QCOMPARE(ui.context->model().contextLimit(), ui.context->model().maxContext());
    }

    void withNoModelLoadedTheSettingIsTheContext() {
        // As with the remote backend: no local model runs, but the chosen folder's tokenizer counts the tokens.
        QTemporaryDir data, folder;
        QVERIFY(QFile::copy(demoFolder_ + QStringLiteral("/tokenizer.json"), folder.filePath(QStringLiteral("tokenizer.json"))));
        UiHarness ui(data.path());
        QVERIFY(ui.ready());
        auto& settings = ui.context->settings();
        settings.setModelFolder(folder.path());  // no config.json: the load fails, and no model is loaded
        QTRY_VERIFY(!ui.context->model().loading());
        QVERIFY(!ui.context->model().ready());
        ui.context->status().dismissError();
        const qint64 conversation = ui.context->chat().newConversation();
        std::vector<std::string> pages(20, "The mill wheel turns slowly while the miller weighs flour for the village");
        const QString pdf = files_.filePath("mill.pdf");
        ingestion_test::writeFile(pdf, ingestion_test::textPdf(pages));
        QSignalSpy ingested(&ui.context->ingestion(), &IngestionController::ingestFinished);
        ui.context->attachments().addPath(pdf);
        QTRY_COMPARE_WITH_TIMEOUT(ingested.count(), 1, 20000);

        auto prepare = [&](QString& error) {
            GenerationRequest request;
            request.turns.push_back({QStringLiteral("user"), QStringLiteral("What does the miller weigh?"), {}});
            request.maxNewTokens = 64;
            bool done = false;
            ui.context->contextBuilder().prepare(conversation, request, [&](const GenerationRequest&, const QString& e) {
                error = e;
                done = true;
            });
            QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
        };
        QString error;
        prepare(error);  // neither a model nor a setting: said so
        QVERIFY2(error.contains(QStringLiteral("no context length is set in Settings")), qPrintable(error));

        settings.setContextLength(600);
        QCOMPARE(ui.context->model().contextLimit(), qint64(600));
        prepare(error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const fathom::app::DocumentContext context = ui.context->contextBuilder().lastContext();
        QCOMPARE(context.contextTokens, qint64(600));
        QCOMPARE(context.budgetTokens, ChatContextBuilder::documentBudget(600, 64, 0));
        QVERIFY(!context.leftOut.isEmpty());
    }

private:
    QTemporaryDir dataDir_;
    QTemporaryDir files_;
    QString demoFolder_;
};

QTEST_MAIN(ContextLengthTest)
#include "test_context_length.moc"
