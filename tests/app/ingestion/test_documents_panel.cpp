// The documents panel in the real window under Xvfb: a path added through the drop zone's field is read off the
// UI thread with progress, listed with its parts, its problems shown; citation links open the page or the file
// at the line; Cancel leaves nothing stored. Screenshots go to <build>/screenshots.
#include "app/logging.hpp"
#include "ingestion_test_support.hpp"
#include "ui_harness.hpp"

#include <QQuickStyle>
#include <QSignalSpy>
#include <QTest>
#include <QUrl>

using ui_test::UiHarness;
using fathom::ingestion::IngestionController;

class DocumentsPanelTest : public QObject {
    Q_OBJECT

private:
    static QVariant openLink(UiHarness& ui, const QString& url) {
        QVariant result;
        QMetaObject::invokeMethod(ui.item("documentsPanel"), "openLink", Q_RETURN_ARG(QVariant, result), Q_ARG(QVariant, url));
        return result;
    }

    static void addPath(UiHarness& ui, const QString& path) {
        QQuickItem* field = ui.item("ingestPathField");
        QVERIFY(field);
        field->setProperty("text", path);
        QVERIFY(ui.click("ingestAddButton"));
    }

private slots:
    void initTestCase() {
        QVERIFY(dataDir_.isValid());
        QQuickStyle::setStyle(QStringLiteral("Material"));
        fathom::app::setupLogging(dataDir_.path());
    }

    void pdfIsReadListedAndItsPagesOpen() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        IngestionController& ingestion = ui.context->ingestion();
        const QString pdf = files_.filePath("paper.pdf");
        ingestion_test::writeFile(pdf, ingestion_test::textPdf({"The answer is on page one", "", "Closing remarks"}));

        QSignalSpy finished(&ingestion, &IngestionController::ingestFinished);
        QSignalSpy busy(&ingestion, &IngestionController::busyChanged);
        addPath(ui, pdf);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QVERIFY(busy.count() >= 2);  // went busy, came back
        QCOMPARE(ui.item("documentList")->property("count").toInt(), 1);
        const QVariantMap doc = ingestion.documents().first().toMap();
        QCOMPARE(doc.value("kind").toString(), QStringLiteral("pdf"));
        QCOMPARE(doc.value("parts").toInt(), 3);
        QVERIFY(ui.item("problemList")->isVisible());
        bool scannedReported = false, tokensReported = false;
        for (const QVariant& p : ingestion.problems()) {
            const QVariantMap problem = p.toMap();
            scannedReported |= problem.value("path") == QStringLiteral("page 2") && problem.value("reason").toString().contains("no text layer");
            tokensReported |= problem.value("reason").toString().contains("tokens not counted");
        }
        QVERIFY(scannedReported);
        QVERIFY(tokensReported);  // no model folder in this data dir: said, not hidden

        const qint64 id = finished.first().at(0).toLongLong();
        const QString linked = ingestion.linkCitations(QStringLiteral("See [p. 3]."));
        QCOMPARE(linked, QStringLiteral("See [p. 3](fathom://doc/%1/page/3).").arg(id));
        QVERIFY(openLink(ui, QStringLiteral("fathom://doc/%1/page/1").arg(id)).toBool());
        QObject* viewer = ui.object("citationViewer");
        QVERIFY(viewer);
        QTRY_VERIFY(viewer->property("opened").toBool());
        QVERIFY(ui.item("citationTitle")->property("text").toString().contains("page 1"));
        QVERIFY(viewer->property("target").toMap().value("text").toString().contains("The answer is on page one"));
        QTest::qWait(300);
        ui.window->grabWindow().save(QStringLiteral(FATHOM_SCREENSHOT_DIR "/documents_panel_citation.png"));
        QMetaObject::invokeMethod(viewer, "close");
        QVERIFY(!openLink(ui, QStringLiteral("https://example.com")).toBool());
    }

    void aCitationInAnAnswerIsALinkThatOpensThePage() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        IngestionController& ingestion = ui.context->ingestion();
        const QString pdf = files_.filePath("report.pdf");
        ingestion_test::writeFile(pdf, ingestion_test::textPdf({"Intro", "Method", "The result is on page three"}));
        QSignalSpy finished(&ingestion, &IngestionController::ingestFinished);
        addPath(ui, pdf);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        const qint64 id = finished.first().at(0).toLongLong();

        // An answer that cites the document, as the model would write it (imported: the demo model writes noise).
        // Several PDFs are stored by now, so the citation names its document.
        const QString json = files_.filePath("cited.json");
        const QString conversationJson =
            QStringLiteral("{\"format\": \"fathom-conversation\", \"version\": 1, \"title\": \"Cited\", \"messages\": ["
                           "{\"role\": \"user\", \"content\": \"Where is the result?\"}, "
                           "{\"role\": \"assistant\", \"content\": \"It is stated in [doc %1, p. 3].\"}]}").arg(id);
        ingestion_test::writeFile(json, conversationJson.toUtf8());
        const qint64 conversation = ui.context->chat().importConversation(QUrl::fromLocalFile(json));
        QVERIFY(conversation > 0);
        ui.context->chat().selectConversation(conversation);
        QQuickItem* answer = nullptr;
        QTRY_VERIFY((answer = ui.item("messageText1")) != nullptr);
        const QString link = QStringLiteral("fathom://doc/%1/page/3").arg(id);
        QTRY_VERIFY(answer->property("text").toString().contains(link));
        QVERIFY(QMetaObject::invokeMethod(answer, "linkActivated", Q_ARG(QString, link)));
        QObject* viewer = ui.object("citationViewer");
        QVERIFY(viewer);
        QTRY_VERIFY(viewer->property("opened").toBool());
        QVERIFY(viewer->property("target").toMap().value("text").toString().contains("The result is on page three"));
        ui.window->grabWindow().save(QStringLiteral(FATHOM_SCREENSHOT_DIR "/answer_citation.png"));
        QMetaObject::invokeMethod(viewer, "close");
    }

    void folderFileCitationOpensAtTheLine() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        IngestionController& ingestion = ui.context->ingestion();
        const QString root = files_.filePath("proj");
        ingestion_test::writeFile(root + "/src/foo.cpp", "int a;\nint b;\nint c;\n");
        ingestion_test::writeFile(root + "/blob.bin", QByteArray("\0\0\0", 3));
        QSignalSpy finished(&ingestion, &IngestionController::ingestFinished);
        addPath(ui, root);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        const qint64 id = finished.first().at(0).toLongLong();
        QVERIFY(openLink(ui, QStringLiteral("fathom://doc/%1/file/src/foo.cpp#L2").arg(id)).toBool());
        QObject* viewer = ui.object("citationViewer");
        QTRY_VERIFY(viewer->property("opened").toBool());
        QCOMPARE(viewer->property("target").toMap().value("line").toInt(), 2);
        QVERIFY(ui.item("citationTitle")->property("text").toString().contains("src/foo.cpp:2"));
        QTest::qWait(300);
        ui.window->grabWindow().save(QStringLiteral(FATHOM_SCREENSHOT_DIR "/documents_panel_file.png"));
        // A link to a file the document does not have says so instead of showing nothing.
        const QVariantMap missing = ingestion.openCitation(QStringLiteral("fathom://doc/%1/file/nope.cpp#L1").arg(id));
        QVERIFY(!missing.value("ok").toBool());
        QVERIFY(missing.value("error").toString().contains("has no nope.cpp"));
    }

    void cancelLeavesNothingStored() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        IngestionController& ingestion = ui.context->ingestion();
        const int before = int(ingestion.documents().size());
        const QString root = files_.filePath("many");
        for (int i = 0; i < 3000; ++i) ingestion_test::writeFile(root + QStringLiteral("/f%1.txt").arg(i), "x\n");
        QSignalSpy finished(&ingestion, &IngestionController::ingestFinished);
        ingestion.ingest(root);
        QVERIFY(ingestion.busy());
        QVERIFY(ui.item("ingestProgress")->isVisible());
        QVERIFY(ui.click("ingestCancelButton"));
        QTRY_VERIFY_WITH_TIMEOUT(!ingestion.busy(), 20000);
        QCOMPARE(finished.count(), 0);
        QCOMPARE(int(ingestion.documents().size()), before);
        QCOMPARE(ingestion.progressText(), QStringLiteral("Cancelled"));
    }

private:
    QTemporaryDir dataDir_;
    QTemporaryDir files_;
};

QTEST_MAIN(DocumentsPanelTest)
#include "test_documents_panel.moc"
