// RemoteBackend: the ChatBackend over an OpenAI-compatible server (vLLM, SGLang, the DeepSeek API): POSTs a
// streamed chat completion and turns its SSE chunks into reasoning and answer deltas, with statistics.
#pragma once

#include "app/chat_backend.hpp"
#include "app/remote_http.hpp"
#include "app/sse_parser.hpp"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QTimer>



namespace fathom::app {

class RemoteBackend : public ChatBackend {
    Q_OBJECT
public:
    static constexpr int kDefaultIdleTimeoutMs = 120000;
    static constexpr int kFlushIntervalMs = 40;

    explicit RemoteBackend(QObject* parent = nullptr);
    ~RemoteBackend() override;

    void setEndpoint(const RemoteEndpoint& endpoint);
    const RemoteEndpoint& endpoint() const { return endpoint_; }
    // A request that receives nothing for this long is abandoned (also before the first byte: a long prompt
    // on a busy server can take a while, hence the generous default).
    void setIdleTimeoutMs(int ms) { idleTimeout_.setInterval(ms); }

    bool ready() const override { return endpoint_.baseUrl.isValid() && !endpoint_.model.isEmpty(); }
    QString modelName() const override { return endpoint_.model; }
    void start(const GenerationRequest& request) override;
    void cancel() override;
    bool running() const { return reply_ != nullptr; }

    // How the last (or the running) reply's tokens were counted: "usage" (the server's figures) or "chunks"
    // (one per streamed chunk, an estimate: servers may pack several tokens into one chunk).
    QString tokenCountSource() const { return usageSeen_ ? QStringLiteral("usage") : QStringLiteral("chunks"); }
    // Tokens per second of the running or last reply after its first token; 0 until there are two.
    double tokensPerSecond() const;

signals:
    // Statistics changed (first token, tokens so far): the status bar reads tokensPerSecond().
    void statisticsChanged();

private:
    void onReadyRead();
    void onFinished();
    void handleEvent(const SseEvent& event);
    void flushText();
    // Ends the running request with a failure (once); aborts the reply if it still runs.
    void fail(const QString& message);
    qint64 tokenCount() const { return usageSeen_ ? usageCompletion_ : chunks_; }

    QNetworkAccessManager network_;
    RemoteEndpoint endpoint_;
    QPointer<QNetworkReply> reply_;
    SseParser parser_;
    QTimer idleTimeout_;
    QTimer flushTimer_;
    QElapsedTimer clock_, lastFlush_;
    // The running reply.
    GenerationResult result_;
    QString pendingReasoning_, pendingAnswer_;
    QByteArray errorBody_;  // an HTTP error's body, read whole before it is described
    qint64 chunks_ = 0, usagePrompt_ = 0, usageCompletion_ = 0, usageReasoning_ = 0, reasoningChunks_ = 0;
    double firstTokenMs_ = -1, lastTokenMs_ = -1;
    bool usageSeen_ = false, done_ = false, cancelled_ = false, timedOut_ = false, failed_ = false;
    QString failure_;
};

}  // namespace fathom::app
