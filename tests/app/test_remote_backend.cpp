// RemoteBackend against a real local HTTP server (FakeOpenAiServer): a streamed reply with reasoning and answer
// cut at odd packet boundaries, [DONE] and usage, counting chunks when usage is missing, Stop while the server
// keeps sending, HTTP 401 with a JSON error body, connection refused, a malformed chunk, a silent server, a
// stream cut short, the request body (messages, sampling, reasoning mode), and the settings' model probes.
#include "app/remote_backend.hpp"
#include "app/remote_request.hpp"
#include "app/remote_settings.hpp"
#include "fake_openai_server.hpp"
#include "storage/database.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using fathom::app::ChatBackend;
using fathom::app::GenerationRequest;
using fathom::app::GenerationResult;
using fathom::app::RemoteBackend;
using fathom::app::RemoteEndpoint;
using remote_test::chunkEvent;
using remote_test::FakeOpenAiServer;
using remote_test::ScriptedResponse;

namespace {

GenerationRequest askRequest(const QString& mode) {
    GenerationRequest request;
    request.mode = mode;
    request.turns = {{"system", "Be brief.", ""}, {"user", "What is 2+2?", ""}, {"assistant", "4", "easy"},
                     {"user", "And 3+3?", ""}};
    request.temperature = 0.6;
    request.topP = 0.95;
    request.maxNewTokens = 300;
    return request;
}

// A V4 think-mode stream the way vLLM sends it: role first, reasoning_content, content, finish, usage, [DONE].
// The text holds multi-byte UTF-8 (é, →) so that odd cuts land inside characters too.
QByteArray thinkStream(bool withUsage) {
    QByteArray body = chunkEvent(R"({"role":"assistant","content":""})");
    for (const char* piece : {"The user asks ", "3+3: caf\u00e9 ", "math \u2192 6."})
        body += chunkEvent(QByteArray(R"({"reasoning_content":")") + piece + "\"}");
    for (const char* piece : {"It is ", "**6**", "."})
        body += chunkEvent(QByteArray(R"({"content":")") + piece + "\"}");
    body += chunkEvent("{}", "\"stop\"");
    if (withUsage)
        body += "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":17,\"completion_tokens\":42,"
                "\"total_tokens\":59,\"completion_tokens_details\":{\"reasoning_tokens\":30}}}\n\n";
    body += "data: [DONE]\n\n";
    return body;
}

struct Outcome {
    QString reasoning, answer;
    int deltas = 0;
    qint64 lastTokens = 0;
    std::optional<GenerationResult> result;
    QString failure;
};

void collect(RemoteBackend& backend, Outcome& out) {
    QObject::connect(&backend, &ChatBackend::textDelta, &backend, [&out](const QString& r, const QString& a, qint64 tokens) {
        out.reasoning += r;
        out.answer += a;
        out.lastTokens = tokens;
        ++out.deltas;
    });
    QObject::connect(&backend, &ChatBackend::finished, &backend, [&out](const GenerationResult& result) { out.result = result; });
    QObject::connect(&backend, &ChatBackend::failed, &backend, [&out](const QString& message) { out.failure = message; });
}

}  // namespace

class RemoteBackendTest : public QObject {
    Q_OBJECT

private slots:
    void streamsReasoningAndAnswerAcrossOddPacketBoundaries() {
        for (const int step : {1, 7, 13, 64}) {
            FakeOpenAiServer server;
            QVERIFY(server.listening());
            ScriptedResponse response;
            response.pieces = remote_test::splitEvery(thinkStream(true), step);
            response.pauseMs = step == 1 ? 0 : 3;
            server.route("/v1/chat/completions", response);
            RemoteBackend backend;
            backend.setEndpoint({QUrl(server.baseUrl()), "fake-v4", "sk-test"});
            Outcome out;
            collect(backend, out);
            backend.start(askRequest("think-max"));
            QVERIFY(backend.running());
            QTRY_VERIFY_WITH_TIMEOUT(out.result || !out.failure.isEmpty(), 10000);
            QVERIFY2(out.failure.isEmpty(), qPrintable(out.failure));
            QVERIFY(!backend.running());
            const QString reasoning = QString::fromUtf8("The user asks 3+3: caf\u00e9 math \u2192 6.");
            QCOMPARE(out.reasoning, reasoning);
            QCOMPARE(out.answer, QStringLiteral("It is **6**."));
            QCOMPARE(out.result->reasoning, reasoning);
            QCOMPARE(out.result->answer, QStringLiteral("It is **6**."));
            QCOMPARE(out.result->finishReason, QStringLiteral("stop"));
            // Token figures come from the server's usage chunk, not from counting chunks (there were 6).
            QCOMPARE(out.result->promptTokens, int64_t(17));
            QCOMPARE(out.result->completionTokens, int64_t(42));
            QCOMPARE(out.result->reasoningTokens, int64_t(30));
            QCOMPARE(out.result->contextUsed, int64_t(59));
            QCOMPARE(backend.tokenCountSource(), QStringLiteral("usage"));
            QVERIFY(out.result->timeToFirstTokenMs > 0);
            QVERIFY(out.result->decodeMs >= 0);
            QCOMPARE(out.result->mode, QStringLiteral("think-max"));
            // Pieces 3 ms apart over ~0.5 s: the text arrives as several updates, not one at the end.
            if (step == 7) QVERIFY2(out.deltas >= 3, qPrintable(QString::number(out.deltas)));
        }
    }

    void theRequestCarriesTheConversationSamplingModeAndKey() {
        FakeOpenAiServer server;
        ScriptedResponse response;
        response.pieces = {thinkStream(true)};
        server.route("/v1/chat/completions", response);
        RemoteBackend backend;
        // A base URL written the OpenAI-client way, with /v1, gets no second /v1.
        backend.setEndpoint({QUrl(server.baseUrl() + "/v1/"), "fake-v4", "sk-test"});
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("think-max"));
        QTRY_VERIFY_WITH_TIMEOUT(out.result.has_value(), 10000);
        QCOMPARE(server.requests.size(), 1);
        const auto& request = server.requests.first();
        QCOMPARE(request.method, QByteArray("POST"));
        QCOMPARE(request.path, QByteArray("/v1/chat/completions"));
        QCOMPARE(request.headers.value("authorization"), QByteArray("Bearer sk-test"));
        QCOMPARE(request.headers.value("accept"), QByteArray("text/event-stream"));
        const QJsonObject body = QJsonDocument::fromJson(request.body).object();
        QCOMPARE(body.value("model").toString(), QStringLiteral("fake-v4"));
        QCOMPARE(body.value("stream").toBool(), true);
        QCOMPARE(body.value("stream_options").toObject().value("include_usage").toBool(), true);
        QCOMPARE(body.value("temperature").toDouble(), 0.6);
        QCOMPARE(body.value("top_p").toDouble(), 0.95);
        QCOMPARE(body.value("max_tokens").toInt(), 300);
        const QJsonArray messages = body.value("messages").toArray();
        QCOMPARE(messages.size(), 4);
        QCOMPARE(messages[0].toObject().value("role").toString(), QStringLiteral("system"));
        QCOMPARE(messages[3].toObject().value("content").toString(), QStringLiteral("And 3+3?"));
        // Earlier reasoning is not sent back (the V4 format drops it; the DeepSeek API rejects it).
        QCOMPARE(messages[2].toObject().keys(), (QStringList{"content", "role"}));
        const QJsonObject kwargs = body.value("chat_template_kwargs").toObject();
        QCOMPARE(kwargs.value("thinking").toBool(), true);
        QCOMPARE(kwargs.value("reasoning_effort").toString(), QStringLiteral("max"));
    }

    void reasoningModesMapToTheServersSwitches() {
        const QUrl vllm("http://gpu-box:8000");
        QCOMPARE(fathom::app::reasoningFields("standard", vllm),
                 (QJsonObject{{"chat_template_kwargs", QJsonObject{{"thinking", false}}}}));
        QCOMPARE(fathom::app::reasoningFields("think", vllm),
                 (QJsonObject{{"chat_template_kwargs", QJsonObject{{"thinking", true}}}}));
        QCOMPARE(fathom::app::reasoningFields("think-max", vllm),
                 (QJsonObject{{"chat_template_kwargs", QJsonObject{{"thinking", true}, {"reasoning_effort", "max"}}}}));
        const QUrl deepseek("https://api.deepseek.com");
        QCOMPARE(fathom::app::reasoningFields("standard", deepseek),
                 (QJsonObject{{"thinking", QJsonObject{{"type", "disabled"}}}}));
        QCOMPARE(fathom::app::reasoningFields("think-max", deepseek),
                 (QJsonObject{{"thinking", QJsonObject{{"type", "enabled"}}}, {"reasoning_effort", "max"}}));
    }

    void withoutUsageTokensAreCountedFromChunks() {
        FakeOpenAiServer server;
        ScriptedResponse response;
        response.pieces = remote_test::splitEvery(thinkStream(false), 11);
        server.route("/v1/chat/completions", response);
        RemoteBackend backend;
        backend.setEndpoint({QUrl(server.baseUrl()), "fake-v4", {}});
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("think"));
        QTRY_VERIFY_WITH_TIMEOUT(out.result.has_value(), 10000);
        QCOMPARE(out.result->completionTokens, int64_t(6));  // 3 reasoning + 3 answer chunks
        QCOMPARE(out.result->reasoningTokens, int64_t(3));
        QCOMPARE(out.lastTokens, qint64(6));
        QCOMPARE(backend.tokenCountSource(), QStringLiteral("chunks"));
        QVERIFY(!server.requests.first().headers.contains("authorization"));  // no key, no header
    }

    void stopAbortsWhileTheServerKeepsSending() {
        FakeOpenAiServer server;
        ScriptedResponse response;
        response.pieces = {chunkEvent(R"({"role":"assistant","content":""})")};
        response.endlessPiece = chunkEvent(R"({"content":"tick "})");
        response.pauseMs = 10;
        server.route("/v1/chat/completions", response);
        RemoteBackend backend;
        backend.setEndpoint({QUrl(server.baseUrl()), "fake-v4", {}});
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("standard"));
        QTRY_VERIFY_WITH_TIMEOUT(out.answer.count(QStringLiteral("tick")) >= 5, 10000);
        backend.cancel();
        QVERIFY(out.result.has_value());  // ends at once, without waiting for the server
        QVERIFY(!backend.running());
        QCOMPARE(out.result->finishReason, QStringLiteral("cancelled"));
        QVERIFY(out.result->answer.startsWith(QStringLiteral("tick tick tick tick tick")));
        QCOMPARE(out.result->answer, out.answer);  // what arrived is what is kept
        QVERIFY(out.result->completionTokens >= 5);
        QVERIFY(out.failure.isEmpty());
        // The connection is really closed: the server sees the hang-up and stops writing.
        QTRY_COMPARE_WITH_TIMEOUT(server.disconnects, 1, 5000);
        const int sent = server.endlessPiecesSent;
        QTest::qWait(100);
        QCOMPARE(server.endlessPiecesSent, sent);
    }

    void http401ShowsTheServersMessage() {
        FakeOpenAiServer server;
        ScriptedResponse response;
        response.status = 401;
        response.reason = "Unauthorized";
        response.contentType = "application/json";
        response.chunked = false;
        response.pieces = {R"({"error":{"message":"Invalid API key: sk-wro****","type":"authentication_error"}})"};
        server.route("/v1/chat/completions", response);
        RemoteBackend backend;
        backend.setEndpoint({QUrl(server.baseUrl()), "fake-v4", "sk-wrong"});
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("standard"));
        QTRY_VERIFY_WITH_TIMEOUT(!out.failure.isEmpty(), 10000);
        QVERIFY2(out.failure.contains(QStringLiteral("HTTP 401")), qPrintable(out.failure));
        QVERIFY2(out.failure.contains(QStringLiteral("Invalid API key: sk-wro****")), qPrintable(out.failure));
        QVERIFY2(out.failure.contains(QStringLiteral("API key in Settings")), qPrintable(out.failure));
        QVERIFY(!out.result);
        QVERIFY(!backend.running());
        // Usable afterwards: the next request goes out (and fails the same way).
        out.failure.clear();
        backend.start(askRequest("standard"));
        QTRY_VERIFY_WITH_TIMEOUT(!out.failure.isEmpty(), 10000);
        QCOMPARE(server.requests.size(), 2);
    }

    void connectionRefusedIsSaidPlainly() {
        quint16 port = 0;
        {
            QTcpServer probe;  // a port that was free a moment ago and has no listener now
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        RemoteBackend backend;
        backend.setEndpoint({QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), "fake-v4", {}});
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("standard"));
        QTRY_VERIFY_WITH_TIMEOUT(!out.failure.isEmpty(), 10000);
        QVERIFY2(out.failure.contains(QStringLiteral("connection refused")), qPrintable(out.failure));
        QVERIFY2(out.failure.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(out.failure));
    }

    void aMalformedChunkFailsTheReplyClearly() {
        FakeOpenAiServer server;
        ScriptedResponse response;
        response.pieces = {chunkEvent(R"({"content":"Hello"})"), "data: {\"choices\": [oops\n\n", chunkEvent(R"({"content":" never"})")};
        server.route("/v1/chat/completions", response);
        RemoteBackend backend;
        backend.setEndpoint({QUrl(server.baseUrl()), "fake-v4", {}});
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("standard"));
        QTRY_VERIFY_WITH_TIMEOUT(!out.failure.isEmpty(), 10000);
        QVERIFY2(out.failure.contains(QStringLiteral("not a JSON object")), qPrintable(out.failure));
        QVERIFY2(out.failure.contains(QStringLiteral("[oops")), qPrintable(out.failure));
        QVERIFY(!out.answer.contains(QStringLiteral("never")));
        QVERIFY(!backend.running());
    }

    void anErrorSentInsideTheStreamIsShown() {
        FakeOpenAiServer server;
        ScriptedResponse response;
        response.pieces = {chunkEvent(R"({"content":"Hi"})"),
                           "data: {\"error\":{\"message\":\"The decoder ran out of KV cache\",\"code\":500}}\n\n"};
        server.route("/v1/chat/completions", response);
        RemoteBackend backend;
        backend.setEndpoint({QUrl(server.baseUrl()), "fake-v4", {}});
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("standard"));
        QTRY_VERIFY_WITH_TIMEOUT(!out.failure.isEmpty(), 10000);
        QVERIFY2(out.failure.contains(QStringLiteral("ran out of KV cache")), qPrintable(out.failure));
    }

    void aSilentServerTimesOut() {
        FakeOpenAiServer server;
        ScriptedResponse response;
        response.neverAnswer = true;
        server.route("/v1/chat/completions", response);
        RemoteBackend backend;
        backend.setEndpoint({QUrl(server.baseUrl()), "fake-v4", {}});
        backend.setIdleTimeoutMs(300);
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("standard"));
        QTRY_VERIFY_WITH_TIMEOUT(!out.failure.isEmpty(), 5000);
        QVERIFY2(out.failure.contains(QStringLiteral("sent nothing for 0.3 s")), qPrintable(out.failure));
        QVERIFY(!backend.running());
    }

    void aStreamCutShortIsAFailure() {
        FakeOpenAiServer server;
        ScriptedResponse response;
        response.pieces = {chunkEvent(R"({"content":"Half a"})")};
        server.route("/v1/chat/completions", response);
        RemoteBackend backend;
        backend.setEndpoint({QUrl(server.baseUrl()), "fake-v4", {}});
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("standard"));
        QTRY_VERIFY_WITH_TIMEOUT(!out.failure.isEmpty(), 10000);
        QVERIFY2(out.failure.contains(QStringLiteral("ended before the reply did")), qPrintable(out.failure));
    }

    void aNonStreamingAnswerIsReported() {
        FakeOpenAiServer server;
        ScriptedResponse response;
        response.contentType = "application/json";
        response.chunked = false;
        response.pieces = {R"({"message":"streaming is disabled on this proxy"})"};
        server.route("/v1/chat/completions", response);
        RemoteBackend backend;
        backend.setEndpoint({QUrl(server.baseUrl()), "fake-v4", {}});
        Outcome out;
        collect(backend, out);
        backend.start(askRequest("standard"));
        QTRY_VERIFY_WITH_TIMEOUT(!out.failure.isEmpty(), 10000);
        QVERIFY2(out.failure.contains(QStringLiteral("not a stream of events: streaming is disabled")), qPrintable(out.failure));
    }

    void settingsProbesListModelsAndTestTheConnection() {
        QTemporaryDir dir;
        fathom::storage::Database database((dir.path() + "/fathom.db").toStdString());
        fathom::storage::SettingsStore store(database);
        FakeOpenAiServer server;
        ScriptedResponse models;
        models.contentType = "application/json";
        models.chunked = false;
        models.pieces = {R"({"object":"list","data":[{"id":"deepseek-ai/DeepSeek-V4-Flash","object":"model"},{"id":"other"}]})"};
        server.route("/v1/models", models);
        {
            fathom::app::RemoteSettings settings(store);
            QVERIFY(!settings.problem().isEmpty());
            settings.setBaseUrl(server.baseUrl());
            settings.setApiKey("sk-test");
            settings.fetchModels();
            QVERIFY(settings.probing());
            QTRY_VERIFY_WITH_TIMEOUT(!settings.probing(), 10000);
            QCOMPARE(settings.models(), (QStringList{"deepseek-ai/DeepSeek-V4-Flash", "other"}));
            QCOMPARE(settings.model(), QStringLiteral("deepseek-ai/DeepSeek-V4-Flash"));  // the empty field took the first
            QVERIFY(settings.problem().isEmpty());
            QCOMPARE(server.requests.last().headers.value("authorization"), QByteArray("Bearer sk-test"));

            settings.testConnection();
            QTRY_VERIFY_WITH_TIMEOUT(!settings.probing(), 10000);
            QVERIFY2(settings.probeOk(), qPrintable(settings.probeText()));
            QVERIFY2(settings.probeText().contains(QStringLiteral("serves 'deepseek-ai/DeepSeek-V4-Flash'")),
                     qPrintable(settings.probeText()));

            settings.setModel("not-there");
            settings.testConnection();
            QTRY_VERIFY_WITH_TIMEOUT(!settings.probing(), 10000);
            QVERIFY(!settings.probeOk());
            QVERIFY2(settings.probeText().contains(QStringLiteral("does not serve 'not-there'")), qPrintable(settings.probeText()));
            settings.setUseRemote(true);
            QCOMPARE(settings.statusText(), QStringLiteral("Remote: not-there at 127.0.0.1:%1").arg(server.baseUrl().section(':', -1)));
        }
        // Saved: a new instance (an app restart) reads the same values.
        fathom::app::RemoteSettings again(store);
        QVERIFY(again.useRemote());
        QCOMPARE(again.baseUrl(), server.baseUrl());
        QCOMPARE(again.model(), QStringLiteral("not-there"));
        QCOMPARE(again.apiKey(), QStringLiteral("sk-test"));
        // A server that refuses the key: the probe says so with the server's words.
        ScriptedResponse denied;
        denied.status = 401;
        denied.reason = "Unauthorized";
        denied.contentType = "application/json";
        denied.chunked = false;
        denied.pieces = {R"({"error":{"message":"bad key"}})"};
        server.route("/v1/models", denied);
        again.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(!again.probing(), 10000);
        QVERIFY2(again.probeText().startsWith(QStringLiteral("Failed: ")) && again.probeText().contains(QStringLiteral("HTTP 401"))
                     && again.probeText().contains(QStringLiteral("bad key")),
                 qPrintable(again.probeText()));
        again.setBaseUrl("ftp://nowhere");
        again.testConnection();
        QVERIFY2(again.probeText().contains(QStringLiteral("not an http or https address")), qPrintable(again.probeText()));
    }
};

QTEST_GUILESS_MAIN(RemoteBackendTest)
#include "test_remote_backend.moc"
