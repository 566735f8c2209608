#include "app/local_backend.hpp"

namespace fathom::app {

LocalBackend::LocalBackend(EngineWorker& engine, ModelController& model, QObject* parent)
    : ChatBackend(parent), engine_(engine), model_(model) {
    connect(&engine_, &EngineWorker::textDelta, this, [this](const QString& reasoning, const QString& answer, qint64 tokens) {
        model_.generationProgress(tokens);
        emit textDelta(reasoning, answer, tokens);
    });
    connect(&engine_, &EngineWorker::generationFinished, this, [this](const GenerationResult& result) {
        model_.generationEnded(result.contextUsed);
        emit finished(result);
    });
    connect(&engine_, &EngineWorker::generationFailed, this, [this](const QString& message) {
        model_.generationEnded(0);
        emit failed(message);
    });
    connect(&model_, &ModelController::stateChanged, this, &ChatBackend::availabilityChanged);
}

void LocalBackend::start(const GenerationRequest& request) {
    model_.generationStarted();
    engine_.generate(request);
}

}  // namespace fathom::app
