// SettingsController: the settings page's values, persisted in the settings table: the model folder (the
// model controller loads it when it changes), sampling, which follows the model's defaults until set, and the
// context length the chat may fill (0: the loaded model's maximum).
#pragma once

#include "app/remote_settings.hpp"
#include "storage/settings_store.hpp"

#include <QObject>
#include <QUrl>

#include <optional>

namespace fathom::app {

class SettingsController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString modelFolder READ modelFolder WRITE setModelFolder NOTIFY modelFolderChanged)
    Q_PROPERTY(QString modelFolderNote READ modelFolderNote NOTIFY modelFolderNoteChanged)
    Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY samplingChanged)
    Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY samplingChanged)
    Q_PROPERTY(bool samplingFromModel READ samplingFromModel NOTIFY samplingChanged)
    Q_PROPERTY(QString samplingNote READ samplingNote NOTIFY samplingChanged)
    Q_PROPERTY(int maxReplyTokens READ maxReplyTokens WRITE setMaxReplyTokens NOTIFY samplingChanged)
    Q_PROPERTY(int contextLength READ contextLength WRITE setContextLength NOTIFY contextLengthChanged)
    Q_PROPERTY(fathom::app::RemoteSettings* remote READ remotePointer CONSTANT)  // local model or remote server

public:
    static constexpr const char* kModelFolderKey = "model.folder";
    static constexpr const char* kTemperatureKey = "sampling.temperature";
    static constexpr const char* kTopPKey = "sampling.top_p";
    static constexpr const char* kMaxReplyTokensKey = "sampling.max_reply_tokens";
    static constexpr const char* kContextLengthKey = "context.length";
    static constexpr int kMinContextLength = 256;       // below this a question and a short reply barely fit
    static constexpr int kMaxContextLength = 1 << 24;   // a sanity cap: the loaded model's maximum is the real bound

    explicit SettingsController(storage::SettingsStore& store, QObject* parent = nullptr);

    QString modelFolder() const { return modelFolder_; }
    QString modelFolderNote() const { return modelFolderNote_; }
    void setModelFolder(const QString& folder);
    // For FolderDialog, which hands back a file:// URL.
    Q_INVOKABLE void setModelFolderUrl(const QUrl& url);
    // What the model controller says about the folder (loading, loaded, cancelled).
    void setModelFolderNote(const QString& note);

    // The user's value when one is saved, else the loaded model's default (generation_config.json).
    double temperature() const;
    double topP() const;
    bool samplingFromModel() const { return !userTemperature_ && !userTopP_; }
    QString samplingNote() const;
    int maxReplyTokens() const { return maxReplyTokens_; }
    void setTemperature(double value);
    void setTopP(double value);
    void setMaxReplyTokens(int value);
    // The user's context length in tokens, or 0 for the loaded model's maximum (the model controller bounds it by
    // that maximum). Values are kept within [kMinContextLength, kMaxContextLength]; 0 removes the setting.
    int contextLength() const { return contextLength_; }
    void setContextLength(int value);
    Q_INVOKABLE void useModelSampling();

    RemoteSettings& remote() { return remote_; }
    RemoteSettings* remotePointer() { return &remote_; }
    void setModelDefaults(double temperature, double topP);

signals:
    void modelFolderChanged();
    void modelFolderNoteChanged();
    void samplingChanged();
    void contextLengthChanged();
    void settingsError(const QString& context, const QString& message);

private:
    // Saves or (empty value) removes a key; a failure goes to the banner and returns false.
    bool save(const char* key, const QString& value, const QString& context);

    storage::SettingsStore& store_;
    QString modelFolder_;
    QString modelFolderNote_;
    std::optional<double> userTemperature_, userTopP_;
    double modelTemperature_ = 1.0, modelTopP_ = 1.0;
    bool haveModelDefaults_ = false;
    int maxReplyTokens_ = 512;
    int contextLength_ = 0;
    RemoteSettings remote_;
};

}  // namespace fathom::app
