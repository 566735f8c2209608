#include "app/remote_settings.hpp"

#include "app/app_log.hpp"
#include "app/setting_write.hpp"

namespace fathom::app {

RemoteSettings::RemoteSettings(storage::SettingsStore& store, QObject* parent) : QObject(parent), store_(store) {
    try {
        useRemote_ = store_.get_or(kBackendKey, "local") == "remote";
        baseUrl_ = QString::fromStdString(store_.get_or(kBaseUrlKey, ""));
        model_ = QString::fromStdString(store_.get_or(kModelKey, ""));
        apiKey_ = QString::fromStdString(store_.get_or(kApiKeyKey, ""));
    } catch (const std::exception& e) {
        QMetaObject::invokeMethod(this, [this, what = QString::fromUtf8(e.what())] {
            emit settingsError(QStringLiteral("Read remote server settings"), what);
        }, Qt::QueuedConnection);
    }
    connect(&probe_, &RemoteProbe::modelsListed, this, [this](const QStringList& models, qint64 elapsedMs) {
        models_ = models;
        const QString host = hostText(endpoint().baseUrl);
        if (!probeIsTest_) {
            if (model_.isEmpty() && !models.isEmpty()) setModel(models.first());
            setProbeResult(models.isEmpty() ? QStringLiteral("%1 lists no models.").arg(host)
                                            : QStringLiteral("%1 serves %2 model(s).").arg(host).arg(models.size()),
                           !models.isEmpty());
        } else if (model_.isEmpty()) {
            setProbeResult(QStringLiteral("Connected to %1 (%2 ms). No model is chosen yet; it serves: %3.")
                               .arg(host).arg(elapsedMs).arg(models.join(QStringLiteral(", "))), false);
        } else if (!models.contains(model_)) {
            setProbeResult(QStringLiteral("Connected to %1 (%2 ms), but it does not serve '%3'; it serves: %4.")
                               .arg(host).arg(elapsedMs).arg(model_, models.join(QStringLiteral(", "))), false);
        } else {
            setProbeResult(QStringLiteral("Connected to %1 in %2 ms; it serves '%3'.").arg(host).arg(elapsedMs).arg(model_), true);
        }
    });
    connect(&probe_, &RemoteProbe::probeFailed, this, [this](const QString& message) {
        setProbeResult(QStringLiteral("Failed: ") + message, false);
    });
}

bool RemoteSettings::save(const char* key, const QString& value, const QString& context) {
    const auto error = write_setting(store_, key, value);
    if (error) emit settingsError(context, *error);
    return !error;
}

QString RemoteSettings::problem() const {
    QString error;
    if (!parseBaseUrl(baseUrl_, &error).isValid()) return error;
    if (model_.trimmed().isEmpty()) return QStringLiteral("no model name is set (Fetch models lists what the server has)");
    return {};
}

void RemoteSettings::setUseRemote(bool on) {
    if (on == useRemote_) return;
    if (!save(kBackendKey, on ? QStringLiteral("remote") : QStringLiteral("local"), QStringLiteral("Save reply source"))) return;
    useRemote_ = on;
    appLog()->info("replies now come from {}", on ? "the remote server" : "the local model");
    emit changed();
}

void RemoteSettings::setBaseUrl(const QString& url) {
    const QString cleaned = url.trimmed();
    if (cleaned == baseUrl_) return;
    if (!save(kBaseUrlKey, cleaned, QStringLiteral("Save server address"))) return;
    baseUrl_ = cleaned;
    emit changed();
}

void RemoteSettings::setModel(const QString& model) {
    const QString cleaned = model.trimmed();
    if (cleaned == model_) return;
    if (!save(kModelKey, cleaned, QStringLiteral("Save remote model"))) return;
    model_ = cleaned;
    emit changed();
}

void RemoteSettings::setApiKey(const QString& key) {
    const QString cleaned = key.trimmed();
    if (cleaned == apiKey_) return;
    if (!save(kApiKeyKey, cleaned, QStringLiteral("Save API key"))) return;
    apiKey_ = cleaned;
    emit changed();
}

RemoteEndpoint RemoteSettings::endpoint() const {
    return {parseBaseUrl(baseUrl_), model_.trimmed(), apiKey_};
}

QString RemoteSettings::statusText() const {
    const QUrl base = parseBaseUrl(baseUrl_);
    if (!base.isValid()) return QStringLiteral("Remote: no server address set (Settings)");
    if (model_.isEmpty()) return QStringLiteral("Remote: no model chosen at %1 (Settings)").arg(hostText(base));
    return QStringLiteral("Remote: %1 at %2").arg(model_, hostText(base));
}

void RemoteSettings::fetchModels() { startProbe(false); }
void RemoteSettings::testConnection() { startProbe(true); }

void RemoteSettings::startProbe(bool test) {
    QString error;
    const QUrl base = parseBaseUrl(baseUrl_, &error);
    if (!base.isValid()) {
        setProbeResult(QStringLiteral("Failed: ") + error, false);
        return;
    }
    probeIsTest_ = test;
    probe_.listModels(endpoint());
    setProbeResult(test ? QStringLiteral("Testing %1\u2026").arg(hostText(base))
                        : QStringLiteral("Asking %1 for its models\u2026").arg(hostText(base)), false);
}

void RemoteSettings::setProbeResult(const QString& text, bool ok) {
    probeText_ = text;
    probeOk_ = ok;
    appLog()->info("remote probe: {}", text.toStdString());
    emit probeChanged();
}

}  // namespace fathom::app
