#include "app/settings_controller.hpp"
#include "app/setting_write.hpp"

#include <QtGlobal>

#include <cmath>

namespace fathom::app {

namespace {
std::optional<double> parseNumber(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    bool ok = false;
    const double value = QString::fromStdString(*text).toDouble(&ok);
    return ok ? std::optional<double>(value) : std::nullopt;
}
}  // namespace

SettingsController::SettingsController(storage::SettingsStore& store, QObject* parent)
    : QObject(parent), store_(store), remote_(store) {
    connect(&remote_, &RemoteSettings::settingsError, this, &SettingsController::settingsError);
    try {
        modelFolder_ = QString::fromStdString(store_.get_or(kModelFolderKey, ""));
        userTemperature_ = parseNumber(store_.get(kTemperatureKey));
        userTopP_ = parseNumber(store_.get(kTopPKey));
        if (const auto tokens = parseNumber(store_.get(kMaxReplyTokensKey))) maxReplyTokens_ = static_cast<int>(*tokens);
        if (const auto tokens = parseNumber(store_.get(kContextLengthKey)); tokens && *tokens > 0)
            contextLength_ = static_cast<int>(qBound<double>(kMinContextLength, *tokens, kMaxContextLength));
    } catch (const std::exception& e) {
        // Not fatal: the page shows defaults; the banner says why.
        QMetaObject::invokeMethod(this, [this, what = QString::fromUtf8(e.what())] {
            emit settingsError(QStringLiteral("Read settings"), what);
        }, Qt::QueuedConnection);
    }
}

bool SettingsController::save(const char* key, const QString& value, const QString& context) {
    const auto error = write_setting(store_, key, value);
    if (error) emit settingsError(context, *error);
    return !error;
}

void SettingsController::setModelFolder(const QString& folder) {
    const QString cleaned = folder.trimmed();
    if (cleaned == modelFolder_) return;
    if (!save(kModelFolderKey, cleaned, QStringLiteral("Save model folder"))) return;
    modelFolder_ = cleaned;
    setModelFolderNote({});
    emit modelFolderChanged();
}

void SettingsController::setModelFolderUrl(const QUrl& url) {
    setModelFolder(url.isLocalFile() ? url.toLocalFile() : url.toString());
}

void SettingsController::setModelFolderNote(const QString& note) {
    if (note == modelFolderNote_) return;
    modelFolderNote_ = note;
    emit modelFolderNoteChanged();
}

double SettingsController::temperature() const { return userTemperature_.value_or(modelTemperature_); }
double SettingsController::topP() const { return userTopP_.value_or(modelTopP_); }

QString SettingsController::samplingNote() const {
    const QString defaults = haveModelDefaults_
        ? QStringLiteral("the model's defaults are temperature %1, top-p %2").arg(modelTemperature_).arg(modelTopP_)
        : QStringLiteral("no model is loaded yet, so 1.0 stands in for its defaults");
    return (samplingFromModel() ? QStringLiteral("Using the model's defaults: ") : QStringLiteral("Your values; "))
           + defaults + QLatin1Char('.');
}

void SettingsController::setTemperature(double value) {
    value = std::round(qBound(0.0, value, 2.0) * 100.0) / 100.0;
    if (userTemperature_ == value) return;
    if (!save(kTemperatureKey, QString::number(value), QStringLiteral("Save temperature"))) return;
    userTemperature_ = value;
    emit samplingChanged();
}

void SettingsController::setTopP(double value) {
    value = std::round(qBound(0.01, value, 1.0) * 100.0) / 100.0;
    if (userTopP_ == value) return;
    if (!save(kTopPKey, QString::number(value), QStringLiteral("Save top-p"))) return;
    userTopP_ = value;
    emit samplingChanged();
}

void SettingsController::setMaxReplyTokens(int value) {
    value = qBound(1, value, 32768);
    if (value == maxReplyTokens_) return;
    if (!save(kMaxReplyTokensKey, QString::number(value), QStringLiteral("Save reply length"))) return;
    maxReplyTokens_ = value;
    emit samplingChanged();
}

void SettingsController::setContextLength(int value) {
    value = value <= 0 ? 0 : qBound(kMinContextLength, value, kMaxContextLength);
    if (value == contextLength_) return;
    if (!save(kContextLengthKey, value == 0 ? QString() : QString::number(value), QStringLiteral("Save context length")))
        return;
    contextLength_ = value;
    emit contextLengthChanged();
}

void SettingsController::useModelSampling() {
    if (!save(kTemperatureKey, {}, QStringLiteral("Reset sampling")) || !save(kTopPKey, {}, QStringLiteral("Reset sampling")))
        return;
    userTemperature_.reset();
    userTopP_.reset();
    emit samplingChanged();
}

void SettingsController::setModelDefaults(double temperature, double topP) {
    modelTemperature_ = temperature;
    modelTopP_ = topP;
    haveModelDefaults_ = true;
    emit samplingChanged();
}

}  // namespace fathom::app
