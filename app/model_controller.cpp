#include "app/model_controller.hpp"

#include "app/app_log.hpp"
#include "app/memory_check.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>

#include <unistd.h>

#include <algorithm>

namespace fathom::app {

namespace {

QString byteText(qint64 bytes) {
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
}

// Resident memory of this process (Linux /proc); 0 where unknown.
qint64 residentBytes() {
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly)) return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    if (fields.size() < 2) return 0;
    return fields[1].toLongLong() * static_cast<qint64>(::sysconf(_SC_PAGESIZE));
}

QString resolveDemoFolder() {
    const QString fromEnv = qEnvironmentVariable("FATHOM_DEMO_MODEL");
    if (!fromEnv.isEmpty()) return QDir::cleanPath(fromEnv);
    return QDir::cleanPath(QCoreApplication::applicationDirPath() + QStringLiteral("/../demo-model"));
}

}  // namespace

ModelController::ModelController(EngineWorker& engine, SettingsController& settings, StatusController& status,
                                 QObject* parent)
    : QObject(parent), engine_(engine), settings_(settings), status_(status), demoFolder_(resolveDemoFolder()) {
    connect(&engine_, &EngineWorker::loadProgress, this, &ModelController::onProgress);
    connect(&engine_, &EngineWorker::modelLoaded, this, &ModelController::onLoaded);
    connect(&engine_, &EngineWorker::loadFailed, this, &ModelController::onFailed);
    connect(&engine_, &EngineWorker::promptEncoded, this, [this](qint64 contextTokens) {
        promptContext_ = contextTokens;
        updateStatusDetail();
    });
    connect(&settings_, &SettingsController::modelFolderChanged, this, [this] {
        if (!settings_.modelFolder().isEmpty()) loadFolder(settings_.modelFolder());
    });
    connect(&settings_, &SettingsController::contextLengthChanged, this, [this] {
        emit contextLimitChanged();
        updateStatusDetail();
    });
    connect(this, &ModelController::stateChanged, this, &ModelController::contextLimitChanged);
    memoryTimer_.setInterval(2000);
    connect(&memoryTimer_, &QTimer::timeout, this, &ModelController::updateStatusDetail);
    // The folder chosen last time loads at start-up; a folder that moved since is reported, not ignored.
    if (!settings_.modelFolder().isEmpty())
        QMetaObject::invokeMethod(this, [this] { loadFolder(settings_.modelFolder()); }, Qt::QueuedConnection);
}

bool ModelController::isDemoModel() const {
    return ready() && QFileInfo(model_.folder).canonicalFilePath() == QFileInfo(demoFolder_).canonicalFilePath();
}

bool ModelController::demoModelAvailable() const {
    return QFileInfo::exists(demoFolder_ + QStringLiteral("/config.json"));
}

double ModelController::loadFraction() const {
    return bytesTotal_ > 0 ? static_cast<double>(bytesDone_) / static_cast<double>(bytesTotal_) : 0.0;
}

qint64 ModelController::contextLimit() const {
    const qint64 chosen = settings_.contextLength();
    const qint64 maximum = maxContext();
    if (maximum <= 0) return chosen;
    return chosen > 0 ? std::min(chosen, maximum) : maximum;
}

void ModelController::setState(const QString& state) {
    if (state == state_) return;
    state_ = state;
    emit stateChanged();
}

void ModelController::loadFolder(const QString& folder) {
    setMemoryWarning({});
    const MemoryVerdict verdict =
        checkHostMemory(checkpointBytes(folder), availableHostBytes(), budget_ ? budget_->hostBudgetBytes() : 0);
    if (!verdict.fits) {
        appLog()->warn("load model '{}' waits for the user: {}", folder.toStdString(), verdict.message.toStdString());
        waitingFolder_ = folder;
        settings_.setModelFolderNote(QStringLiteral("Not loaded yet: it may not fit in memory (see the warning)."));
        setMemoryWarning(verdict.message);
        return;
    }
    startLoad(folder);
}

void ModelController::loadAnyway() {
    if (memoryWarning_.isEmpty()) return;
    const QString folder = waitingFolder_;
    setMemoryWarning({});
    appLog()->info("loading '{}' despite the memory warning", folder.toStdString());
    startLoad(folder);
}

void ModelController::dismissMemoryWarning() {
    if (memoryWarning_.isEmpty()) return;
    setMemoryWarning({});
    settings_.setModelFolderNote(QStringLiteral("Not loaded: it may not fit in memory. Raise the host memory budget "
                                                "or choose a smaller model."));
}

void ModelController::setMemoryWarning(const QString& warning) {
    if (warning == memoryWarning_) return;
    memoryWarning_ = warning;
    emit memoryWarningChanged();
}

void ModelController::startLoad(const QString& folder) {
    appLog()->info("load model '{}'", folder.toStdString());
    loadingFolder_ = folder;
    bytesDone_ = bytesTotal_ = 0;
    loadText_ = QStringLiteral("Loading %1\u2026").arg(QDir(folder).dirName());
    loadClock_.start();
    model_ = LoadedModel{};
    memoryTimer_.stop();
    status_.setActiveModel({});
    status_.setDetail(loadText_);
    settings_.setModelFolderNote(loadText_);
    setState(QStringLiteral("loading"));
    emit progressChanged();
    LoadPlacement placement;
    if (budget_) {
        placement.hostBudgetBytes = budget_->hostBudgetBytes();
        placement.gpuBudgetBytes = static_cast<qint64>(budget_->gpuBudgetGb() * 1e9);
    }
    loadingId_ = engine_.load(folder, placement);
}

void ModelController::useDemoModel() {
    if (!demoModelAvailable()) {
        status_.reportError(QStringLiteral("Load the demo model"),
                            QStringLiteral("'%1' holds no checkpoint; run scripts/setup-demo-model.sh").arg(demoFolder_));
        return;
    }
    if (settings_.modelFolder() == demoFolder_)
        loadFolder(demoFolder_);
    else
        settings_.setModelFolder(demoFolder_);  // saved, then loaded through modelFolderChanged
}

void ModelController::cancelLoad() {
    if (loading()) engine_.cancelLoad();
}

void ModelController::onProgress(qint64 done, qint64 total, const QString& stage) {
    if (!loading()) return;
    bytesDone_ = done;
    bytesTotal_ = total;
    const QString name = QDir(loadingFolder_).dirName();
    if (total <= 0) {
        loadText_ = QStringLiteral("Loading %1: %2\u2026").arg(name, stage);
    } else {
        // Time left from the average rate so far: steadier than the last step's rate.
        const double elapsed = loadClock_.elapsed() / 1000.0;
        QString left;
        if (done > 0 && done < total && elapsed > 0.2) {
            const double seconds = elapsed * static_cast<double>(total - done) / static_cast<double>(done);
            left = QStringLiteral(", about %1 s left").arg(qMax(1, qRound(seconds)));
        }
        loadText_ = QStringLiteral("Loading %1: %2 of %3 (%4%)%5")
                        .arg(name, byteText(done), byteText(total))
                        .arg(qRound(100.0 * loadFraction()))
                        .arg(left);
    }
    status_.setDetail(loadText_);
    emit progressChanged();
}

void ModelController::onLoaded(const LoadedModel& model) {
    if (model.loadId != loadingId_) return;  // superseded by a newer choice
    model_ = model;
    loadText_.clear();
    contextUsed_ = 0;
    settings_.setModelDefaults(model.defaultTemperature, model.defaultTopP);
    const bool demo = QFileInfo(model.folder).canonicalFilePath() == QFileInfo(demoFolder_).canonicalFilePath();
    settings_.setModelFolderNote(
        demo ? QStringLiteral("Loaded the demo model: untrained random weights, so its replies are noise.")
             : QStringLiteral("Loaded: %1 of weights, context up to %2 tokens, running on %3%4.")
                   .arg(byteText(model.weightBytes)).arg(model.maxContext).arg(model.device,
                        model.deviceNote.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(model.deviceNote)));
    status_.setActiveModel(demo ? model.name + QStringLiteral(" (untrained demo)") : model.name);
    setState(QStringLiteral("ready"));
    updateStatusDetail();
    memoryTimer_.start();
    emit progressChanged();
}

void ModelController::onFailed(int loadId, const QString& message, bool cancelled) {
    if (loadId != loadingId_) return;
    const QString folder = loadingFolder_;
    loadText_.clear();
    status_.setDetail({});
    settings_.setModelFolderNote(cancelled ? QStringLiteral("Loading was cancelled.") : QString());
    setState(QStringLiteral("none"));
    if (!cancelled) status_.reportError(QStringLiteral("Load model '%1'").arg(folder), message);
    emit progressChanged();
}

void ModelController::generationStarted() {
    generating_ = true;
    generatedTokens_ = 0;
    firstTokenMs_ = -1;
    promptContext_ = -1;
    generationClock_.start();
    updateStatusDetail();
}

void ModelController::generationProgress(qint64 tokens) {
    if (firstTokenMs_ < 0 && tokens > 0) firstTokenMs_ = generationClock_.elapsed();
    generatedTokens_ = tokens;
    updateStatusDetail();
}

void ModelController::generationEnded(qint64 contextUsed) {
    generating_ = false;
    contextUsed_ = contextUsed;
    updateStatusDetail();
}

void ModelController::updateStatusDetail() {
    if (!ready()) return;
    QStringList parts;
    parts << QStringLiteral("%1 weights, %2 in RAM").arg(byteText(model_.weightBytes), byteText(residentBytes()));
    if (model_.device.startsWith(QStringLiteral("cuda")))
        parts << QStringLiteral("GPU: %1 dense").arg(byteText(model_.gpuDenseBytes));
    // While generating: the prompt plus what is written so far; otherwise what the session holds.
    const qint64 context = generating_ && promptContext_ >= 0 ? promptContext_ + generatedTokens_ : contextUsed_;
    parts << QStringLiteral("context %1 / %2 tokens").arg(context).arg(contextLimit());
    if (generating_) {
        // Decode rate: tokens after the first over the time since it (prefill is not decode).
        const qint64 decodeMs = generationClock_.elapsed() - firstTokenMs_;
        if (firstTokenMs_ >= 0 && generatedTokens_ > 1 && decodeMs > 0)
            parts << QStringLiteral("generating %1 tokens/s").arg((generatedTokens_ - 1) * 1000.0 / decodeMs, 0, 'f', 1);
        else
            parts << QStringLiteral("reading the prompt\u2026");
    }
    status_.setDetail(parts.join(QStringLiteral(" \u00B7 ")));
}

}  // namespace fathom::app
