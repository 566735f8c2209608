#include "app/chat_backends.hpp"

namespace fathom::app {

ChatBackends::ChatBackends(EngineWorker& engine, ModelController& model, RemoteSettings& remoteSettings,
                           StatusController& status, QObject* parent)
    : ChatBackend(parent), remoteSettings_(remoteSettings), status_(status), local_(engine, model), remote_() {
    forward(local_);
    forward(remote_);
    remote_.setEndpoint(remoteSettings_.endpoint());
    connect(&remoteSettings_, &RemoteSettings::changed, this, [this] {
        remote_.setEndpoint(remoteSettings_.endpoint());
        updateStatus();
        emit availabilityChanged();
    });
    connect(&remote_, &RemoteBackend::statisticsChanged, this, &ChatBackends::updateStatus);
    updateStatus();
}

void ChatBackends::forward(ChatBackend& backend) {
    connect(&backend, &ChatBackend::textDelta, this, &ChatBackend::textDelta);
    connect(&backend, &ChatBackend::finished, this, [this](const GenerationResult& result) {
        running_ = nullptr;
        updateStatus();
        emit finished(result);
    });
    connect(&backend, &ChatBackend::failed, this, [this](const QString& message) {
        running_ = nullptr;
        emit failed(message);
    });
    connect(&backend, &ChatBackend::availabilityChanged, this, &ChatBackend::availabilityChanged);
}

void ChatBackends::start(const GenerationRequest& request) {
    running_ = &active();
    running_->start(request);
}

void ChatBackends::cancel() {
    if (running_) running_->cancel();
}

void ChatBackends::updateStatus() {
    if (!remoteActive()) {
        status_.setRemote({});
        return;
    }
    QString text = remoteSettings_.statusText();
    const double rate = remote_.tokensPerSecond();
    if (rate > 0) {
        // Say how the figure was made: the server's own token count, or one token per streamed chunk.
        text += remote_.tokenCountSource() == QLatin1String("usage")
            ? QStringLiteral(" \u00B7 %1 tokens/s (server's token count)").arg(rate, 0, 'f', 1)
            : QStringLiteral(" \u00B7 %1 tokens/s (estimated, one token per chunk)").arg(rate, 0, 'f', 1);
    }
    status_.setRemote(text);
}

}  // namespace fathom::app
