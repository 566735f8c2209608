// ModelController: which model is loaded, loading progress (bytes, time left, Cancel), the bundled demo
// model offer, and what the status bar reports about the active model (memory, context, tokens/s). Before a
// load it compares the checkpoint's size with free memory and the host budget, and asks when it will not fit.
#pragma once

#include "app/engine_worker.hpp"
#include "app/memory_budget.hpp"
#include "app/settings_controller.hpp"
#include "app/status_controller.hpp"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace fathom::app {

class ModelController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString state READ state NOTIFY stateChanged)  // none, loading, ready
    Q_PROPERTY(bool loading READ loading NOTIFY stateChanged)
    Q_PROPERTY(bool ready READ ready NOTIFY stateChanged)
    Q_PROPERTY(QString modelName READ modelName NOTIFY stateChanged)
    Q_PROPERTY(bool isDemoModel READ isDemoModel NOTIFY stateChanged)
    Q_PROPERTY(double loadFraction READ loadFraction NOTIFY progressChanged)
    Q_PROPERTY(QString loadText READ loadText NOTIFY progressChanged)
    Q_PROPERTY(QString demoModelFolder READ demoModelFolder CONSTANT)
    Q_PROPERTY(bool demoModelAvailable READ demoModelAvailable CONSTANT)
    // Set while a load waits for the user: the checkpoint needs more memory than is free or budgeted.
    Q_PROPERTY(QString memoryWarning READ memoryWarning NOTIFY memoryWarningChanged)
    // The loaded model's longest context (0: none loaded), and what the chat may fill: the Settings' context length
    // bounded by that maximum, the model's maximum when none is set, the setting alone when no model is loaded
    // (replies from a remote server); 0 when neither is known.
    Q_PROPERTY(qint64 maxContext READ maxContext NOTIFY stateChanged)
    Q_PROPERTY(qint64 contextLimit READ contextLimit NOTIFY contextLimitChanged)

public:
    ModelController(EngineWorker& engine, SettingsController& settings, StatusController& status,
                    QObject* parent = nullptr);

    QString state() const { return state_; }
    bool loading() const { return state_ == QLatin1String("loading"); }
    bool ready() const { return state_ == QLatin1String("ready"); }
    QString modelName() const { return model_.name; }
    bool isDemoModel() const;
    double loadFraction() const;
    QString loadText() const { return loadText_; }
    const LoadedModel& model() const { return model_; }
    qint64 maxContext() const { return ready() ? model_.maxContext : 0; }
    qint64 contextLimit() const;

    // FATHOM_DEMO_MODEL when set, else <executable folder>/../demo-model (scripts/setup-demo-model.sh).
    QString demoModelFolder() const { return demoFolder_; }
    bool demoModelAvailable() const;

    Q_INVOKABLE void loadFolder(const QString& folder);
    // Saves the demo folder as the model folder, which loads it.
    Q_INVOKABLE void useDemoModel();
    Q_INVOKABLE void cancelLoad();
    QString memoryWarning() const { return memoryWarning_; }
    // The answers to memoryWarning: load the waiting folder all the same, or leave it unloaded.
    Q_INVOKABLE void loadAnyway();
    Q_INVOKABLE void dismissMemoryWarning();
    // The budgets the check uses (null: only free memory counts).
    void setMemoryBudget(const MemoryBudget* budget) { budget_ = budget; }

    // The chat reports generation so the status bar can show tokens/s and the context in use.
    void generationStarted();
    void generationProgress(qint64 tokens);
    void generationEnded(qint64 contextUsed);

signals:
    void stateChanged();
    void progressChanged();
    void memoryWarningChanged();
    void contextLimitChanged();

private:
    void setState(const QString& state);
    void startLoad(const QString& folder);
    void setMemoryWarning(const QString& warning);
    void onProgress(qint64 done, qint64 total, const QString& stage);
    void onLoaded(const LoadedModel& model);
    void onFailed(int loadId, const QString& message, bool cancelled);
    void updateStatusDetail();

    EngineWorker& engine_;
    SettingsController& settings_;
    StatusController& status_;
    QString state_ = QStringLiteral("none");
    QString demoFolder_;
    QString loadingFolder_;
    int loadingId_ = 0;  // the load whose results count; older ones were superseded
    LoadedModel model_;
    qint64 bytesDone_ = 0, bytesTotal_ = 0;
    QString loadText_;
    QElapsedTimer loadClock_;
    // Generation figures for the status bar.
    bool generating_ = false;
    QElapsedTimer generationClock_;
    qint64 firstTokenMs_ = -1, generatedTokens_ = 0, contextUsed_ = 0;
    qint64 promptContext_ = -1;  // the context the current reply's prompt fills; -1 until encoded
    QTimer memoryTimer_;  // refreshes the resident-memory figure now and then
    const MemoryBudget* budget_ = nullptr;
    QString memoryWarning_;
    QString waitingFolder_;  // the folder memoryWarning is about
};

}  // namespace fathom::app
