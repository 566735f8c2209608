#include "app/settings_controller.hpp"

#include "fathom/error.hpp"

#include <filesystem>

namespace fathom::app {

SettingsController::SettingsController(storage::SettingsStore& store, JobWorker& worker, QObject* parent)
    : QObject(parent), store_(store), worker_(worker) {
    try {
        modelFolder_ = QString::fromStdString(store_.get_or(kModelFolderKey, ""));
    } catch (const std::exception& e) {
        // Not fatal: the page shows an empty folder; the banner says why.
        QMetaObject::invokeMethod(this, [this, what = QString::fromUtf8(e.what())] {
            emit settingsError(QStringLiteral("Read settings"), what);
        }, Qt::QueuedConnection);
    }
    // A folder saved last time may have moved since: check it again, so the page and banner tell the truth.
    if (!modelFolder_.isEmpty()) checkModelFolder(modelFolder_);
}

void SettingsController::setModelFolder(const QString& folder) {
    const QString cleaned = folder.trimmed();
    if (cleaned == modelFolder_) return;
    try {
        if (cleaned.isEmpty())
            store_.remove(kModelFolderKey);
        else
            store_.set(kModelFolderKey, cleaned.toStdString());
    } catch (const std::exception& e) {
        emit settingsError(QStringLiteral("Save model folder"), QString::fromUtf8(e.what()));
        return;
    }
    modelFolder_ = cleaned;
    emit modelFolderChanged();
    setNote({});
    if (!cleaned.isEmpty()) checkModelFolder(cleaned);
}

void SettingsController::setModelFolderUrl(const QUrl& url) {
    setModelFolder(url.isLocalFile() ? url.toLocalFile() : url.toString());
}

void SettingsController::setNote(const QString& note) {
    if (note == modelFolderNote_) return;
    modelFolderNote_ = note;
    emit modelFolderNoteChanged();
}

void SettingsController::checkModelFolder(const QString& folder) {
    const std::filesystem::path dir = folder.toStdString();
    worker_.submit(QStringLiteral("Check model folder '%1'").arg(folder),
                   [dir] {
                       if (!std::filesystem::is_directory(dir))
                           throw fathom::Error("'" + dir.string() + "' is not a folder");
                       if (!std::filesystem::exists(dir / "config.json"))
                           throw fathom::Error("'" + dir.string() + "' has no config.json (expected a DeepSeek V4 checkpoint folder)");
                   },
                   [this, folder] {
                       if (folder != modelFolder_) return;  // a newer choice superseded this check
                       // Honest about this build: the folder is saved, loading is not wired up yet.
                       setNote(QStringLiteral("Saved. The folder holds config.json; this build does not load models yet."));
                   });
}

}  // namespace fathom::app
