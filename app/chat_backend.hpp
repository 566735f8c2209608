// ChatBackend: what writes a chat reply, the in-process engine (LocalBackend) or an OpenAI-compatible server
// (RemoteBackend). One request at a time: start, textDelta while it streams, then exactly one of finished/failed.
#pragma once

#include "app/generation_request.hpp"

#include <QObject>
#include <QString>

namespace fathom::app {

class ChatBackend : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~ChatBackend() override = default;

    // Whether a request can be started now (a model is loaded; a server is configured).
    virtual bool ready() const = 0;
    // The model name stored with the reply.
    virtual QString modelName() const = 0;
    virtual void start(const GenerationRequest& request) = 0;
    // Stops the running request: it ends with finished (finishReason "cancelled", keeping what arrived).
    virtual void cancel() = 0;

signals:
    // Text to append; tokens = how many tokens (or, where the backend cannot count them, chunks) so far.
    void textDelta(const QString& reasoning, const QString& answer, qint64 tokens);
    void finished(const fathom::app::GenerationResult& result);
    // A message for the error banner, worded for the user (what failed and, where known, why).
    void failed(const QString& message);
    // ready() or modelName() may have changed.
    void availabilityChanged();
};

}  // namespace fathom::app
