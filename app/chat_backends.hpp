// ChatBackends: the backend the chat talks to, itself a ChatBackend. It holds the local one (the engine) and the
// remote one (an OpenAI-compatible server), routes each reply to the one Settings choose, and keeps the status
// bar's "Remote: <model> at <host>" line (with tokens/s and how they were counted) while the server is in use.
#pragma once

#include "app/chat_backend.hpp"
#include "app/local_backend.hpp"
#include "app/remote_backend.hpp"
#include "app/remote_settings.hpp"
#include "app/status_controller.hpp"

namespace fathom::app {

class ChatBackends : public ChatBackend {
    Q_OBJECT
public:
    ChatBackends(EngineWorker& engine, ModelController& model, RemoteSettings& remoteSettings, StatusController& status,
                 QObject* parent = nullptr);

    bool remoteActive() const { return remoteSettings_.useRemote(); }
    ChatBackend& active() { return remoteActive() ? static_cast<ChatBackend&>(remote_) : local_; }
    const ChatBackend& active() const { return remoteActive() ? static_cast<const ChatBackend&>(remote_) : local_; }
    RemoteBackend& remote() { return remote_; }

    bool ready() const override { return active().ready(); }
    QString modelName() const override { return active().modelName(); }
    // The reply goes to the active backend; Stop goes to the one that runs it, even if Settings changed since.
    void start(const GenerationRequest& request) override;
    void cancel() override;

private:
    void forward(ChatBackend& backend);
    void updateStatus();

    RemoteSettings& remoteSettings_;
    StatusController& status_;
    LocalBackend local_;
    RemoteBackend remote_;
    ChatBackend* running_ = nullptr;
};

}  // namespace fathom::app
