#include "app/remote_backend.hpp"

#include "app/app_log.hpp"
#include "app/remote_request.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>

namespace fathom::app {

namespace {
QString preview(const QByteArray& bytes) {
    const QString text = QString::fromUtf8(bytes).simplified();
    return text.size() > 120 ? text.left(120) + QChar(0x2026) : text;
}
}  // namespace

RemoteBackend::RemoteBackend(QObject* parent) : ChatBackend(parent) {
    qRegisterMetaType<fathom::app::GenerationResult>();
    idleTimeout_.setSingleShot(true);
    idleTimeout_.setInterval(kDefaultIdleTimeoutMs);
    connect(&idleTimeout_, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("%1 sent nothing for %2 s; the request was abandoned")
                 .arg(hostText(endpoint_.baseUrl))
                 .arg(idleTimeout_.interval() / 1000.0));
    });
    flushTimer_.setSingleShot(true);
    connect(&flushTimer_, &QTimer::timeout, this, &RemoteBackend::flushText);
}

RemoteBackend::~RemoteBackend() {
    if (reply_) {
        reply_->disconnect(this);
        reply_->abort();
    }
}

void RemoteBackend::setEndpoint(const RemoteEndpoint& endpoint) {
    const bool wasReady = ready();
    const QString oldModel = endpoint_.model;
    endpoint_ = endpoint;
    if (wasReady != ready() || oldModel != endpoint_.model) emit availabilityChanged();
}

void RemoteBackend::start(const GenerationRequest& request) {
    if (reply_) {
        emit failed(QStringLiteral("a reply is still being written; stop it first"));
        return;
    }
    if (!ready()) {
        emit failed(QStringLiteral("no remote server is set up: enter its address and model in Settings"));
        return;
    }
    parser_ = SseParser{};
    result_ = GenerationResult{};
    result_.mode = request.mode;
    pendingReasoning_.clear();
    pendingAnswer_.clear();
    errorBody_.clear();
    chunks_ = usagePrompt_ = usageCompletion_ = usageReasoning_ = reasoningChunks_ = 0;
    firstTokenMs_ = lastTokenMs_ = -1;
    usageSeen_ = done_ = false;
    lastFlush_.invalidate();
    clock_.start();

    const QByteArray body = chatCompletionBody(request, endpoint_);
    const QNetworkRequest httpRequest = apiRequest(endpoint_, QStringLiteral("chat/completions"), "text/event-stream");
    appLog()->info("remote reply: POST {} (model {}, mode {}, {} turns, {} bytes)",
                   httpRequest.url().toString().toStdString(), endpoint_.model.toStdString(),
                   request.mode.toStdString(), request.turns.size(), body.size());
    reply_ = network_.post(httpRequest, body);
    connect(reply_, &QNetworkReply::readyRead, this, &RemoteBackend::onReadyRead);
    connect(reply_, &QNetworkReply::finished, this, &RemoteBackend::onFinished);
    idleTimeout_.start();
}

void RemoteBackend::cancel() {
    if (!reply_) return;
    QNetworkReply* reply = reply_;
    reply_ = nullptr;
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
    idleTimeout_.stop();
    flushTimer_.stop();
    appLog()->info("remote reply stopped after {} chunks", chunks_);
    flushText();
    result_.finishReason = QStringLiteral("cancelled");
    result_.completionTokens = tokenCount();
    result_.timeToFirstTokenMs = result_.prefillMs = qMax(0.0, firstTokenMs_);
    result_.decodeMs = firstTokenMs_ >= 0 ? lastTokenMs_ - firstTokenMs_ : 0;
    emit finished(result_);
}

void RemoteBackend::fail(const QString& message) {
    if (reply_) {
        QNetworkReply* reply = reply_;
        reply_ = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
    idleTimeout_.stop();
    flushTimer_.stop();
    pendingReasoning_.clear();
    pendingAnswer_.clear();
    appLog()->warn("remote reply failed: {}", message.toStdString());
    emit failed(message);
}

void RemoteBackend::onReadyRead() {
    if (!reply_) return;
    idleTimeout_.start();
    const int status = reply_->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString type = reply_->header(QNetworkRequest::ContentTypeHeader).toString();
    // An error status, or a body that is not an event stream: read it whole and describe it at the end.
    if (status >= 300 || (!type.isEmpty() && !type.contains(QLatin1String("text/event-stream")))) {
        errorBody_ += reply_->readAll();
        return;
    }
    for (const SseEvent& event : parser_.feed(reply_->readAll())) {
        handleEvent(event);
        if (!reply_) return;  // failed on this chunk
    }
    if (pendingReasoning_.isEmpty() && pendingAnswer_.isEmpty()) return;
    // At most one update per interval: each one re-lays out the growing reply on the UI thread.
    const qint64 since = lastFlush_.isValid() ? lastFlush_.elapsed() : kFlushIntervalMs;
    if (since >= kFlushIntervalMs)
        flushText();
    else if (!flushTimer_.isActive())
        flushTimer_.start(static_cast<int>(kFlushIntervalMs - since));
}

void RemoteBackend::handleEvent(const SseEvent& event) {
    const QByteArray data = event.data.trimmed();
    if (data == "[DONE]") {
        done_ = true;
        return;
    }
    if (data.isEmpty()) return;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &parseError);
    if (!doc.isObject()) {
        fail(QStringLiteral("%1 sent a chunk that is not a JSON object (%2): %3")
                 .arg(hostText(endpoint_.baseUrl),
                      parseError.error == QJsonParseError::NoError ? QStringLiteral("not an object") : parseError.errorString(),
                      preview(data)));
        return;
    }
    const QJsonObject chunk = doc.object();
    if (chunk.contains(QLatin1String("error"))) {
        const QString message = serverErrorMessage(data);
        fail(QStringLiteral("%1 reported an error while streaming: %2")
                 .arg(hostText(endpoint_.baseUrl), message.isEmpty() ? preview(data) : message));
        return;
    }
    const QJsonValue usage = chunk.value(QLatin1String("usage"));
    if (usage.isObject()) {
        const QJsonObject u = usage.toObject();
        usageSeen_ = true;
        usagePrompt_ = u.value(QLatin1String("prompt_tokens")).toInteger();
        usageCompletion_ = u.value(QLatin1String("completion_tokens")).toInteger();
        usageReasoning_ = u.value(QLatin1String("completion_tokens_details")).toObject()
                              .value(QLatin1String("reasoning_tokens")).toInteger();
    }
    const QJsonArray choices = chunk.value(QLatin1String("choices")).toArray();
    if (choices.isEmpty()) return;  // the usage-only chunk at the end
    const QJsonObject choice = choices.first().toObject();
    const QJsonObject delta = choice.value(QLatin1String("delta")).toObject();
    // vLLM and the DeepSeek API name it reasoning_content; newer vLLM releases call it reasoning.
    QString reasoning = delta.value(QLatin1String("reasoning_content")).toString();
    if (reasoning.isEmpty()) reasoning = delta.value(QLatin1String("reasoning")).toString();
    const QString answer = delta.value(QLatin1String("content")).toString();
    const QString finishReason = choice.value(QLatin1String("finish_reason")).toString();
    if (!finishReason.isEmpty()) result_.finishReason = finishReason;
    if (reasoning.isEmpty() && answer.isEmpty()) return;
    const double now = static_cast<double>(clock_.nsecsElapsed()) / 1e6;
    if (firstTokenMs_ < 0) firstTokenMs_ = now;
    lastTokenMs_ = now;
    ++chunks_;
    if (!reasoning.isEmpty()) ++reasoningChunks_;
    pendingReasoning_ += reasoning;
    pendingAnswer_ += answer;
    result_.reasoning += reasoning;
    result_.answer += answer;
}

void RemoteBackend::flushText() {
    flushTimer_.stop();
    lastFlush_.start();
    if (pendingReasoning_.isEmpty() && pendingAnswer_.isEmpty()) return;
    const QString reasoning = std::exchange(pendingReasoning_, QString());
    const QString answer = std::exchange(pendingAnswer_, QString());
    emit textDelta(reasoning, answer, tokenCount());
    emit statisticsChanged();
}

void RemoteBackend::onFinished() {
    QNetworkReply* reply = reply_;
    if (!reply) return;
    idleTimeout_.stop();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString type = reply->header(QNetworkRequest::ContentTypeHeader).toString();
    if (reply->error() != QNetworkReply::NoError || status >= 300) {
        errorBody_ += reply->readAll();
        fail(describeFailure(*reply, errorBody_));
        return;
    }
    if (!type.isEmpty() && !type.contains(QLatin1String("text/event-stream"))) {
        errorBody_ += reply->readAll();
        const QString message = serverErrorMessage(errorBody_);
        fail(QStringLiteral("%1 answered with %2, not a stream of events%3")
                 .arg(hostText(endpoint_.baseUrl), type, message.isEmpty() ? QString() : QStringLiteral(": ") + message));
        return;
    }
    for (const SseEvent& event : parser_.feed(reply->readAll())) {
        handleEvent(event);
        if (!reply_) return;
    }
    for (const SseEvent& event : parser_.finish()) {
        handleEvent(event);
        if (!reply_) return;
    }
    if (!done_ && result_.finishReason.isEmpty()) {
        fail(QStringLiteral("the stream from %1 ended before the reply did (no finish reason, no [DONE])")
                 .arg(hostText(endpoint_.baseUrl)));
        return;
    }
    reply_ = nullptr;
    reply->deleteLater();
    flushText();
    if (result_.finishReason.isEmpty()) result_.finishReason = QStringLiteral("stop");
    result_.promptTokens = usagePrompt_;
    result_.completionTokens = tokenCount();
    result_.reasoningTokens = usageSeen_ && usageReasoning_ > 0 ? usageReasoning_ : reasoningChunks_;
    // From here the server's prompt reading and the network are one wait: the time to the first token.
    result_.timeToFirstTokenMs = result_.prefillMs = qMax(0.0, firstTokenMs_);
    result_.decodeMs = firstTokenMs_ >= 0 ? lastTokenMs_ - firstTokenMs_ : 0;
    result_.contextUsed = usageSeen_ ? usagePrompt_ + usageCompletion_ : 0;
    appLog()->info("remote reply finished ({}): {} tokens counted from {}, first token after {:.0f} ms, {:.1f} tokens/s",
                   result_.finishReason.toStdString(), result_.completionTokens, tokenCountSource().toStdString(),
                   result_.timeToFirstTokenMs, tokensPerSecond());
    emit finished(result_);
}

double RemoteBackend::tokensPerSecond() const {
    const double span = lastTokenMs_ - firstTokenMs_;
    const qint64 tokens = tokenCount();
    if (firstTokenMs_ < 0 || tokens < 2 || span <= 0) return 0;
    return static_cast<double>(tokens - 1) * 1000.0 / span;
}

}  // namespace fathom::app
