// RemoteSettings: the settings page's "Remote server" section: whether replies come from the local model or an
// OpenAI-compatible server, its address, model and API key (saved in the settings table; the key in plain text),
// and the "Fetch models" / "Test connection" probes with their result.
#pragma once

#include "app/remote_http.hpp"
#include "app/remote_probe.hpp"
#include "storage/settings_store.hpp"

#include <QObject>
#include <QStringList>

namespace fathom::app {

class RemoteSettings : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool useRemote READ useRemote WRITE setUseRemote NOTIFY changed)
    Q_PROPERTY(QString baseUrl READ baseUrl WRITE setBaseUrl NOTIFY changed)
    Q_PROPERTY(QString model READ model WRITE setModel NOTIFY changed)
    Q_PROPERTY(QString apiKey READ apiKey WRITE setApiKey NOTIFY changed)
    Q_PROPERTY(QString problem READ problem NOTIFY changed)  // why the server cannot be used yet; empty when it can
    Q_PROPERTY(QStringList models READ models NOTIFY probeChanged)
    Q_PROPERTY(QString probeText READ probeText NOTIFY probeChanged)
    Q_PROPERTY(bool probeOk READ probeOk NOTIFY probeChanged)
    Q_PROPERTY(bool probing READ probing NOTIFY probeChanged)

public:
    static constexpr const char* kBackendKey = "chat.backend";  // "local" or "remote"
    static constexpr const char* kBaseUrlKey = "remote.base_url";
    static constexpr const char* kModelKey = "remote.model";
    static constexpr const char* kApiKeyKey = "remote.api_key";

    explicit RemoteSettings(storage::SettingsStore& store, QObject* parent = nullptr);

    bool useRemote() const { return useRemote_; }
    QString baseUrl() const { return baseUrl_; }
    QString model() const { return model_; }
    QString apiKey() const { return apiKey_; }
    QString problem() const;
    void setUseRemote(bool on);
    void setBaseUrl(const QString& url);
    void setModel(const QString& model);
    void setApiKey(const QString& key);

    // What the remote backend is given (an invalid base URL when the address does not parse).
    RemoteEndpoint endpoint() const;
    // "Remote: <model> at <host>" for the status bar.
    QString statusText() const;

    QStringList models() const { return models_; }
    QString probeText() const { return probeText_; }
    bool probeOk() const { return probeOk_; }
    bool probing() const { return probe_.busy(); }
    // GET {base}/v1/models: fills models (and the model field, when empty, with the first).
    Q_INVOKABLE void fetchModels();
    // The same request, read as a check: the server answers, and serves the chosen model.
    Q_INVOKABLE void testConnection();

signals:
    void changed();
    void probeChanged();
    void settingsError(const QString& context, const QString& message);

private:
    bool save(const char* key, const QString& value, const QString& context);
    void startProbe(bool test);
    void setProbeResult(const QString& text, bool ok);

    storage::SettingsStore& store_;
    bool useRemote_ = false;
    QString baseUrl_, model_, apiKey_;
    RemoteProbe probe_;
    bool probeIsTest_ = false;
    QStringList models_;
    QString probeText_;
    bool probeOk_ = false;
};

}  // namespace fathom::app
