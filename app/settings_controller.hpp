// SettingsController: the settings page's values, persisted in the settings table. Choosing a model folder
// saves it and checks it on the worker (it must hold a config.json); a failed check shows in the error banner.
#pragma once

#include "app/job_worker.hpp"
#include "storage/settings_store.hpp"

#include <QObject>
#include <QUrl>

namespace fathom::app {

class SettingsController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString modelFolder READ modelFolder WRITE setModelFolder NOTIFY modelFolderChanged)
    Q_PROPERTY(QString modelFolderNote READ modelFolderNote NOTIFY modelFolderNoteChanged)

public:
    static constexpr const char* kModelFolderKey = "model.folder";

    SettingsController(storage::SettingsStore& store, JobWorker& worker, QObject* parent = nullptr);

    QString modelFolder() const { return modelFolder_; }
    QString modelFolderNote() const { return modelFolderNote_; }
    void setModelFolder(const QString& folder);
    // For FolderDialog, which hands back a file:// URL.
    Q_INVOKABLE void setModelFolderUrl(const QUrl& url);

signals:
    void modelFolderChanged();
    void modelFolderNoteChanged();
    void settingsError(const QString& context, const QString& message);

private:
    void setNote(const QString& note);
    void checkModelFolder(const QString& folder);

    storage::SettingsStore& store_;
    JobWorker& worker_;
    QString modelFolder_;
    QString modelFolderNote_;
};

}  // namespace fathom::app
