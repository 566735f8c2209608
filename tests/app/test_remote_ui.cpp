// The remote backend in the real window: Settings switched to a (fake, local) OpenAI-compatible server by
// clicking and typing, Fetch models and Test connection, then a message whose streamed reply (reasoning and
// answer) appears in the chat, is stored with the server's model name, and the status bar names the server.
// A wrong key afterwards puts the server's 401 message in the error banner and the app stays usable.
#include "app/logging.hpp"
#include "fake_openai_server.hpp"
#include "ui_harness.hpp"

#include <QDir>
#include <QQuickStyle>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using remote_test::chunkEvent;
using remote_test::FakeOpenAiServer;
using remote_test::ScriptedResponse;
using ui_test::UiHarness;
using ui_test::saveScreenshot;

class RemoteUiTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dataDir_.isValid());
        QQuickStyle::setStyle(QStringLiteral("Material"));
        fathom::app::setupLogging(dataDir_.path());
    }

    void settingsSwitchToARemoteServerAndTheReplyStreamsIn() {
        FakeOpenAiServer server;
        QVERIFY(server.listening());
        ScriptedResponse models;
        models.contentType = "application/json";
        models.chunked = false;
        models.pieces = {R"({"object":"list","data":[{"id":"fake-v4-flash","object":"model"}]})"};
        server.route("/v1/models", models);
        QByteArray stream = chunkEvent(R"({"role":"assistant","content":""})");
        for (const char* piece : {"Counting the ", "sides of a ", "triangle: three."})
            stream += chunkEvent(QByteArray(R"({"reasoning_content":")") + piece + "\"}");
        for (const char* piece : {"A triangle ", "has **three** ", "sides, ", "served by the ", "remote server."})
            stream += chunkEvent(QByteArray(R"({"content":")") + piece + "\"}");
        stream += chunkEvent("{}", "\"stop\"");
        stream += "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":21,\"total_tokens\":33}}\n\n";
        stream += "data: [DONE]\n\n";
        ScriptedResponse reply;
        reply.pieces = remote_test::splitEvery(stream, 23);
        reply.pauseMs = 40;  // slow enough to be seen streaming
        server.route("/v1/chat/completions", reply);

        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        auto& remote = ui.context->settings().remote();
        QVERIFY(!remote.useRemote());

        QVERIFY(ui.click("settingsButton"));
        QTRY_VERIFY(ui.item("settingsPage")->isVisible());
        scrollTo(ui, "remoteServerSettings");
        QVERIFY(ui.click("useRemoteServerRadio"));
        QTRY_VERIFY(remote.useRemote());
        QVERIFY(ui.click("remoteBaseUrlField"));
        ui.type(server.baseUrl());
        QTest::keyClick(ui.window, Qt::Key_Tab);  // editing finished: saved
        QTRY_COMPARE(remote.baseUrl(), server.baseUrl());
        QVERIFY(ui.click("fetchModelsButton"));
        QTRY_VERIFY_WITH_TIMEOUT(remote.model() == QLatin1String("fake-v4-flash"), 10000);
        QTRY_VERIFY(ui.item("remoteModelsBox")->isVisible());
        QVERIFY(ui.click("testConnectionButton"));
        QTRY_VERIFY_WITH_TIMEOUT(remote.probeOk(), 10000);
        const QString probe = ui.item("remoteProbeText")->property("text").toString();
        QVERIFY2(probe.contains(QStringLiteral("serves 'fake-v4-flash'")), qPrintable(probe));
        QCOMPARE(server.requests.size(), 2);
        QCOMPARE(server.requests[0].path, QByteArray("/v1/models"));
        saveScreenshot(ui, QStringLiteral("remote-settings.png"));

        const QString port = server.baseUrl().section(QLatin1Char(':'), -1);
        const QString status = ui.item("statusText")->property("text").toString();
        QCOMPARE(status, QStringLiteral("Remote: fake-v4-flash at 127.0.0.1:%1").arg(port));
        QVERIFY(ui.click("settingsButton"));
        QTRY_VERIFY(!ui.item("settingsPage")->isVisible());
        QVERIFY(!ui.item("modelNotice")->isVisible());  // no "no model is loaded" offer: the server answers

        // Think mode (as the composer's selector would send it), so the reasoning panel has something to show.
        auto& chat = ui.context->chat();
        QSignalSpy finished(&chat, &fathom::app::ChatController::replyFinished);
        QVERIFY(chat.sendMessage(QStringLiteral("How many sides has a triangle?"), QStringLiteral("think")));
        QTRY_VERIFY(chat.generating());
        // Mid-stream: part of the answer is in the window, not all of it yet.
        QTRY_VERIFY_WITH_TIMEOUT(ui.item("messageText1") &&
                                     ui.item("messageText1")->property("text").toString().contains(QStringLiteral("three")),
                                 10000);
        QVERIFY(chat.generating());
        QVERIFY(ui.item("stopButton")->isVisible());
        saveScreenshot(ui, QStringLiteral("remote-streaming.png"));
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 10000);
        QVERIFY2(!ui.context->status().hasError(), qPrintable(ui.context->status().errorText()));

        const QString shown = ui.item("messageText1")->property("text").toString();
        QVERIFY2(shown.contains(QStringLiteral("served by the remote server.")), qPrintable(shown));
        const auto& stored = ui.context->messages().at(1);
        QCOMPARE(QString::fromStdString(stored.content),
                 QStringLiteral("A triangle has **three** sides, served by the remote server."));
        QCOMPARE(QString::fromStdString(stored.reasoning), QStringLiteral("Counting the sides of a triangle: three."));
        QCOMPARE(QString::fromStdString(stored.model), QStringLiteral("fake-v4-flash"));
        QCOMPARE(stored.completion_tokens, int64_t(21));
        QCOMPARE(stored.prompt_tokens, int64_t(12));
        QVERIFY(stored.time_to_first_token_ms > 0);
        // The request the server got: the conversation and think mode's switch.
        const QByteArray body = server.requests.last().body;
        QVERIFY2(body.contains("\"How many sides has a triangle?\"") && body.contains("\"thinking\":true"), body.constData());
        const QString after = ui.item("statusText")->property("text").toString();
        QVERIFY2(after.startsWith(QStringLiteral("Remote: fake-v4-flash at 127.0.0.1:")) &&
                     after.contains(QStringLiteral("tokens/s (server's token count)")),
                 qPrintable(after));
        // The reasoning panel: open as it streamed (opened by its toggle if it folded at the end).
        QVERIFY(ui.item("reasoningPanel1") && ui.item("reasoningPanel1")->isVisible());
        if (!ui.item("reasoningText1")->isVisible()) QVERIFY(ui.click("reasoningToggle1"));
        QTRY_VERIFY(ui.item("reasoningText1")->isVisible());
        QVERIFY(ui.item("reasoningText1")->property("text").toString().contains(QStringLiteral("triangle: three.")));
        saveScreenshot(ui, QStringLiteral("remote-reply.png"));

        // A refused key: the server's words in the banner, the message kept, and the chat still usable.
        ScriptedResponse denied;
        denied.status = 401;
        denied.reason = "Unauthorized";
        denied.contentType = "application/json";
        denied.chunked = false;
        denied.pieces = {R"j({"error":{"message":"Authentication Fails (no such API key)","type":"authentication_error"}})j"};
        server.route("/v1/chat/completions", denied);
        QVERIFY(chat.sendMessage(QStringLiteral("And a square?"), QStringLiteral("standard")));
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, 10000);
        QTRY_VERIFY(ui.context->status().hasError());
        const QString banner = ui.context->status().errorText();
        QVERIFY2(banner.contains(QStringLiteral("HTTP 401")) && banner.contains(QStringLiteral("no such API key")), qPrintable(banner));
        QCOMPARE(ui.context->messages().rowCount(), 3);  // the question stays, no empty reply
        QVERIFY(!chat.generating());
        saveScreenshot(ui, QStringLiteral("remote-error.png"));
    }

private:
    // The settings page scrolls: bring the named item into view before clicking in it.
    static void scrollTo(UiHarness& ui, const char* objectName) {
        QQuickItem* target = ui.item(objectName);
        QVERIFY(target);
        QQuickItem* flickable = target->parentItem();
        while (flickable && !flickable->inherits("QQuickFlickable")) flickable = flickable->parentItem();
        QVERIFY(flickable);
        auto* content = qvariant_cast<QQuickItem*>(flickable->property("contentItem"));
        QVERIFY(content);
        const qreal maxY = qMax<qreal>(0, flickable->property("contentHeight").toReal() - flickable->height());
        flickable->setProperty("contentY", qMin(maxY, target->mapToItem(content, QPointF(0, 0)).y() - 10));
        QTest::qWait(50);
    }

    QTemporaryDir dataDir_;
};

QTEST_MAIN(RemoteUiTest)
#include "test_remote_ui.moc"
