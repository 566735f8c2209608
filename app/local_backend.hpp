// LocalBackend: the ChatBackend over the in-process engine (EngineWorker), reporting generation to the model
// controller so the status bar shows tokens/s and the context in use, as it did before backends existed.
#pragma once

#include "app/chat_backend.hpp"
#include "app/engine_worker.hpp"
#include "app/model_controller.hpp"

namespace fathom::app {

class LocalBackend : public ChatBackend {
    Q_OBJECT
public:
    LocalBackend(EngineWorker& engine, ModelController& model, QObject* parent = nullptr);

    bool ready() const override { return model_.ready(); }
    QString modelName() const override { return model_.modelName(); }
    void start(const GenerationRequest& request) override;
    void cancel() override { engine_.stopGeneration(); }

private:
    EngineWorker& engine_;
    ModelController& model_;
};

}  // namespace fathom::app
