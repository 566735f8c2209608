// Documents in the chat's context, in the real window under Xvfb with the demo model: a generated PDF is read and
// attached to the conversation (chip with tokens and share of the context), a question's prompt holds its pages
// behind [p. N] markers, a second question starts with the very same document tokens, removing the chip takes
// the documents out; a citation opens the page drawn as an image; what does not fit is named, not cut silently.
#include "app/logging.hpp"
#include "app/page_image_provider.hpp"
#include "demo_model_fixture.hpp"
#include "fathom/tokenizer.hpp"
#include "ingestion_test_support.hpp"
#include "ui_harness.hpp"

// chat_format.hpp has a member named emit, which Qt defines as a macro.
#pragma push_macro("emit")
#undef emit
#include "fathom/chat_format.hpp"
#pragma pop_macro("emit")

#include <QMimeData>
#include <QQuickStyle>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using fathom::app::AttachmentController;
using fathom::app::ChatContextBuilder;
using fathom::app::GenerationRequest;
using fathom::ingestion::IngestionController;
using ui_test::UiHarness;

namespace {
std::vector<fathom::TokenId> encode(const GenerationRequest& request, const fathom::Tokenizer& tokenizer) {
    fathom::chat::Conversation conversation;
    conversation.mode = *fathom::chat::parse_mode(request.mode.toStdString());
    for (const auto& turn : request.turns) {
        fathom::chat::Message m;
        m.role = turn.role.toStdString();
        m.content = turn.content.toStdString();
        conversation.messages.push_back(std::move(m));
    }
    return fathom::chat::encode_prompt(conversation, tokenizer);
}

size_t commonPrefix(const std::vector<fathom::TokenId>& a, const std::vector<fathom::TokenId>& b) {
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
    return n;
}
}  // namespace

class ChatAttachmentsTest : public QObject {
    Q_OBJECT

private:
    // Sends a question and waits for the whole reply.
    void ask(UiHarness& ui, const QString& question) {
        auto& chat = ui.context->chat();
        QSignalSpy finished(&chat, &fathom::app::ChatController::replyFinished);
        QVERIFY(chat.sendMessage(question, QStringLiteral("standard")));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
        QVERIFY(!chat.generating());
    }

    // A drag from a file manager, delivered to the window at the centre of `target` (enter, move, drop).
    static void dropUrl(UiHarness& ui, QQuickItem* target, const QUrl& url) {
        QMimeData mime;
        mime.setUrls({url});
        const QPoint at = target->mapToScene(QPointF(target->width() / 2, target->height() / 2)).toPoint();
        QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(ui.window, &enter);
        QDragMoveEvent move(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(ui.window, &move);
        QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(ui.window, &drop);
    }

private slots:
    void initTestCase() {
        QVERIFY(dataDir_.isValid());
        QString error;
        demoFolder_ = ui_test::prepareDemoSuite(dataDir_.path(), error);
        QVERIFY2(!demoFolder_.isEmpty(), qPrintable(error));
    }

    void attachedPdfGoesIntoThePromptWithAStablePrefix() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        ui.context->model().useDemoModel();
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 60000);
        const qint64 context = ui.context->model().model().maxContext;
        QVERIFY(context > 0);

        const QString pdf = files_.filePath("report.pdf");
        ingestion_test::writeFile(pdf, ingestion_test::textPdf({"Zebras graze on the northern plain in spring",
                                                                "Quokkas live on Rottnest Island", "",
                                                                "The survey counted 412 zebras in total"}));
        IngestionController& ingestion = ui.context->ingestion();
        AttachmentController& attachments = ui.context->attachments();
        QSignalSpy ingested(&ingestion, &IngestionController::ingestFinished);
        QCOMPARE(ui.context->chat().currentConversationId(), qint64(0));
        attachments.addPath(QUrl::fromLocalFile(pdf).toString());  // what a drop on the chat or composer does
        QTRY_COMPARE_WITH_TIMEOUT(ingested.count(), 1, 20000);
        const qint64 documentId = ingested.first().at(0).toLongLong();
        const qint64 conversation = ui.context->chat().currentConversationId();
        QVERIFY(conversation > 0);  // created for the drop

        // The chip: title, tokens counted with the model's tokenizer, share of the model's context.
        QTRY_COMPARE(attachments.attachments().size(), qsizetype(1));
        const QVariantMap chip = attachments.attachments().first().toMap();
        QCOMPARE(chip.value("documentId").toLongLong(), documentId);
        const qint64 tokens = chip.value("tokens").toLongLong();
        QVERIFY2(tokens > 10, qPrintable(QString::number(tokens)));
        QCOMPARE(chip.value("label").toString(), AttachmentController::chipLabel(chip.value("title").toString(), tokens, context));
        QVERIFY(chip.value("label").toString().contains(QStringLiteral("% of context")));
        QQuickItem* chipItem = nullptr;
        QTRY_VERIFY((chipItem = ui.item("attachmentChip0")) != nullptr && chipItem->isVisible());
        QCOMPARE(chipItem->property("label").toString(), chip.value("label").toString());
        QVERIFY(ui.item("attachmentBar")->isVisible());

        // First question: the document block is the prompt's first turn, pages behind [p. N], with the citation rule.
        ask(ui, QStringLiteral("How many zebras were counted?"));
        ui_test::saveScreenshot(ui, QStringLiteral("attachment_chips.png"));
        ChatContextBuilder& builder = ui.context->contextBuilder();
        const fathom::app::DocumentContext first = builder.lastContext();
        QCOMPARE(first.conversationId, conversation);
        QVERIFY(first.leftOut.isEmpty());
        for (const char* expected : {"[p. 1]\nZebras graze on the northern plain", "[p. 2]\nQuokkas live on Rottnest",
                                     "[p. 4]\nThe survey counted 412 zebras", "cite your sources", "[p. N]"})
            QVERIFY2(first.blockText.contains(QLatin1String(expected)), expected);
        const GenerationRequest firstRequest = builder.lastRequest();
        QCOMPARE(firstRequest.turns.front().role, QStringLiteral("system"));
        QCOMPARE(firstRequest.turns.front().content, first.blockText);
        QCOMPARE(firstRequest.turns.back().content, QStringLiteral("How many zebras were counted?"));
        const auto stored = ui.context->database().path();
        QVERIFY(!stored.empty());

        // Second question, same conversation: the same block, so the same leading token ids.
        ask(ui, QStringLiteral("And where do quokkas live?"));
        const fathom::app::DocumentContext second = builder.lastContext();
        QCOMPARE(second.blockText, first.blockText);
        const GenerationRequest secondRequest = builder.lastRequest();
        QCOMPARE(secondRequest.turns.back().content, QStringLiteral("And where do quokkas live?"));
        const auto tokenizer = fathom::Tokenizer::load((demoFolder_ + QStringLiteral("/tokenizer.json")).toStdString());
        const auto firstIds = encode(firstRequest, tokenizer), secondIds = encode(secondRequest, tokenizer);
        const size_t blockIds = size_t(first.blockTokens) + 1;  // BOS, then the block
        QVERIFY(first.blockTokens > tokens);  // the pages plus markers and instructions
        QVERIFY2(commonPrefix(firstIds, secondIds) >= blockIds,
                 qPrintable(QStringLiteral("common prefix %1 < block %2").arg(commonPrefix(firstIds, secondIds)).arg(blockIds)));

        // Removing the chip takes the document out of the next prompt (the document stays in the library).
        QVERIFY(ui.click("attachmentRemove0"));
        QTRY_COMPARE(attachments.attachments().size(), qsizetype(0));
        QVERIFY(!ui.item("attachmentBar")->isVisible());
        QCOMPARE(int(ingestion.documents().size()), 1);
        ask(ui, QStringLiteral("Anything else?"));
        const GenerationRequest third = builder.lastRequest();
        QCOMPARE(third.turns.back().content, QStringLiteral("Anything else?"));
        for (const auto& turn : third.turns) QVERIFY(turn.role != QLatin1String("system"));

        // Attach again from the documents panel, in a new conversation: the same block as before.
        ui.context->chat().newConversation();
        QVERIFY(ui.click(QStringLiteral("attachDocument%1").arg(documentId).toLatin1().constData()));
        QTRY_COMPARE(attachments.attachments().size(), qsizetype(1));
        ask(ui, QStringLiteral("Zebras?"));
        QCOMPARE(builder.lastContext().blockText, first.blockText);
    }

    void aNewConversationStartsFromTheStoredDocumentBlock() {
        UiHarness ui(dataDir_.path());  // the saved demo model folder loads on its own
        QVERIFY(ui.ready());
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 60000);
        std::vector<std::string> pages;
        for (int i = 1; i <= 8; ++i)
            pages.push_back("Chapter " + std::to_string(i) + " tells how the lighthouse keeper counted ships, gulls, "
                            "storms and lanterns along the rocky coast through the long winter nights");
        const QString pdf = files_.filePath("lighthouse.pdf");
        ingestion_test::writeFile(pdf, ingestion_test::textPdf(pages));
        auto& engine = ui.context->engine();
        QSignalSpy stored(&engine, &fathom::app::EngineWorker::prefixStored);
        QSignalSpy restored(&engine, &fathom::app::EngineWorker::prefixRestored);
        QSignalSpy ingested(&ui.context->ingestion(), &IngestionController::ingestFinished);
        ui.context->chat().newConversation();
        ui.context->attachments().addPath(pdf);
        QTRY_COMPARE_WITH_TIMEOUT(ingested.count(), 1, 20000);
        const qint64 documentId = ingested.first().at(0).toLongLong();
        ask(ui, QStringLiteral("How many ships?"));
        const qint64 blockTokens = ui.context->contextBuilder().lastContext().blockTokens;
        QVERIFY2(blockTokens > 256, qPrintable(QString::number(blockTokens)));  // long enough to be worth storing
        // The block on its own (BOS + block) is stored in the background (the short question after it is not).
        QTRY_VERIFY_WITH_TIMEOUT(stored.count() >= 1, 60000);
        QCOMPARE(stored.at(0).at(0).toLongLong(), blockTokens + 1);

        // Another conversation with the same document starts from the stored block instead of reading it again.
        ui.context->chat().newConversation();
        QVERIFY(ui.context->attachments().attachDocument(documentId));
        ask(ui, QStringLiteral("And the gulls?"));
        QCOMPARE(restored.count(), 1);
        QCOMPARE(restored.first().at(0).toLongLong(), blockTokens + 1);
    }

    void filesDroppedOnTheComposerOrTheChatAreReadAndAttached() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        QTRY_VERIFY_WITH_TIMEOUT(ui.context->model().ready(), 60000);
        const QString root = files_.filePath("tool");
        ingestion_test::writeFile(root + "/src/main.cpp", "int main() {\n    return answer();\n}\n");
        ingestion_test::writeFile(root + "/src/answer.cpp", "int answer() { return 42; }\n");
        const QString pdf = files_.filePath("notes.pdf");
        ingestion_test::writeFile(pdf, ingestion_test::textPdf({"The tool prints the answer"}));
        ui.context->chat().newConversation();
        auto& attachments = ui.context->attachments();
        QSignalSpy ingested(&ui.context->ingestion(), &IngestionController::ingestFinished);

        dropUrl(ui, ui.item("composer"), QUrl::fromLocalFile(root));
        QTRY_COMPARE_WITH_TIMEOUT(ingested.count(), 1, 20000);
        QTRY_COMPARE(attachments.attachments().size(), qsizetype(1));
        QCOMPARE(attachments.attachments().first().toMap().value("kind").toString(), QStringLiteral("folder"));
        QTRY_VERIFY(!ui.context->ingestion().busy());
        dropUrl(ui, ui.item("messageList"), QUrl::fromLocalFile(pdf));  // the chat area: the window's drop area
        QTRY_COMPARE_WITH_TIMEOUT(ingested.count(), 2, 20000);
        QTRY_COMPARE(attachments.attachments().size(), qsizetype(2));
        QCOMPARE(attachments.attachments().at(1).toMap().value("kind").toString(), QStringLiteral("pdf"));

        ask(ui, QStringLiteral("What does the tool print?"));
        const QString block = ui.context->contextBuilder().lastContext().blockText;
        for (const char* expected : {"=== file: src/main.cpp ===\n1| int main() {\n2|     return answer();",
                                     "=== file: src/answer.cpp ===\n1| int answer()", "[p. 1]\nThe tool prints the answer",
                                     "path:LINE"})
            QVERIFY2(block.contains(QLatin1String(expected)), expected);
        QVERIFY(block.indexOf(QLatin1String("src/main.cpp")) < block.indexOf(QLatin1String("[p. 1]")));  // attach order
    }

    void aPageCitationOpensTheRenderedPage() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        QVariantMap report;
        for (const QVariant& d : ui.context->ingestion().documents())
            if (d.toMap().value("sourcePath").toString().endsWith(QLatin1String("/report.pdf"))) report = d.toMap();
        QVERIFY(!report.isEmpty());
        const qint64 id = report.value("id").toLongLong();
        QVariant opened;
        QMetaObject::invokeMethod(ui.item("documentsPanel"), "openLink", Q_RETURN_ARG(QVariant, opened),
                                  Q_ARG(QVariant, QStringLiteral("fathom://doc/%1/page/4").arg(id)));
        QVERIFY(opened.toBool());
        QObject* viewer = ui.object("citationViewer");
        QTRY_VERIFY(viewer->property("opened").toBool());
        QVERIFY(viewer->property("showsPage").toBool());
        QQuickItem* image = ui.item("citationPageImage");
        QVERIFY(image);
        QTRY_COMPARE_WITH_TIMEOUT(image->property("status").toInt(), 1 /* Image.Ready */, 20000);
        // Drawn at the page's proportions (US letter, 612 x 792 points) across the viewer's left side.
        const double paintedWidth = image->property("paintedWidth").toDouble();
        const double paintedHeight = image->property("paintedHeight").toDouble();
        QVERIFY2(paintedWidth > 300 && std::abs(paintedHeight / paintedWidth - 792.0 / 612.0) < 0.02,
                 qPrintable(QStringLiteral("%1x%2").arg(paintedWidth).arg(paintedHeight)));
        QVERIFY(viewer->property("target").toMap().value("text").toString().contains("412 zebras"));
        QVERIFY(!ui.item("citationPageStatus")->isVisible());
        ui_test::saveScreenshot(ui, QStringLiteral("citation_page_view.png"));

        // The image is poppler's drawing of the page: not blank.
        const QImage page = fathom::app::renderPdfPage(report.value("sourcePath").toString(), 4, 300);
        QCOMPARE(page.width(), 300);
        QVERIFY(std::abs(page.height() - 300 * 792 / 612) <= 1);
        int dark = 0;
        for (int y = 0; y < page.height(); ++y)
            for (int x = 0; x < page.width(); ++x) dark += qGray(page.pixel(x, y)) < 128;
        QVERIFY2(dark > 20, qPrintable(QString::number(dark)));
        // A page past the end is refused with poppler's reason, not drawn blank.
        bool refused = false;
        try {
            fathom::app::renderPdfPage(report.value("sourcePath").toString(), 99, 300);
        } catch (const std::exception& e) {
            refused = QString::fromUtf8(e.what()).contains(QLatin1String("page 99 is not in"));
        }
        QVERIFY(refused);
        QMetaObject::invokeMethod(viewer, "close");
    }

    void documentsThatDoNotFitAreNamed() {
        // A context of 2000 tokens against 60 pages of ~60 tokens: the later pages are left out, and listed.
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        auto& chat = ui.context->chat();
        const qint64 conversation = chat.newConversation();
        std::vector<std::string> pages;
        for (int i = 1; i <= 60; ++i)
            pages.push_back("Page " + std::to_string(i) + " says that the river flows north past the old mill "
                            "and the stone bridge near the market square every single day of the year");
        const QString pdf = files_.filePath("long.pdf");
        ingestion_test::writeFile(pdf, ingestion_test::textPdf(pages));
        QSignalSpy ingested(&ui.context->ingestion(), &IngestionController::ingestFinished);
        ui.context->attachments().addPath(pdf);
        QTRY_COMPARE_WITH_TIMEOUT(ingested.count(), 1, 20000);
        ChatContextBuilder small(QString::fromStdString(ui.context->database().path().string()),
                                 [&] { return demoFolder_ + QStringLiteral("/tokenizer.json"); }, [] { return qint64(2000); });
        GenerationRequest request;
        request.turns.push_back({QStringLiteral("user"), QStringLiteral("Where does the river flow?"), {}});
        request.maxNewTokens = 256;
        bool done = false;
        QString error;
        GenerationRequest built;
        small.prepare(conversation, request, [&](const GenerationRequest& r, const QString& e) {
            built = r;
            error = e;
            done = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const fathom::app::DocumentContext context = small.lastContext();
        QCOMPARE(context.budgetTokens, ChatContextBuilder::documentBudget(2000, 256, 0));
        QVERIFY(context.blockTokens <= context.budgetTokens);
        QCOMPARE(context.leftOut.size(), qsizetype(1));
        QVERIFY2(context.leftOut.first().startsWith(QStringLiteral("Crafted: page ")) &&
                     context.leftOut.first().endsWith(QStringLiteral("to page 60")),
                 qPrintable(context.leftOut.first()));
        QVERIFY(context.blockText.contains(QLatin1String("[p. 1]")));
        QVERIFY(!context.blockText.contains(QLatin1String("[p. 60]")));
        QCOMPARE(built.turns.size(), size_t(2));

        // Said plainly above the composer: the chat's builder reports what it left out, the bar names it.
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        emit ui.context->contextBuilder().contextPrepared(conversation, context.blockTokens, context.budgetTokens,
                                                          context.leftOut);
        QQuickItem* notice = ui.item("attachmentNotice");
        QVERIFY(notice);
        QTRY_VERIFY(notice->isVisible());
        QVERIFY2(notice->property("text").toString().contains(context.leftOut.first()),
                 qPrintable(notice->property("text").toString()));
        ui_test::saveScreenshot(ui, QStringLiteral("attachment_left_out.png"));
    }

private:
    QTemporaryDir dataDir_;
    QTemporaryDir files_;
    QString demoFolder_;
};

QTEST_MAIN(ChatAttachmentsTest)
#include "test_chat_attachments.moc"
