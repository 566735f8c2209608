#include "app/status_controller.hpp"

#include "app/app_log.hpp"

namespace fathom::app {

QString StatusController::text() const {
    if (!remote_.isEmpty()) return remote_;
    if (modelName_.isEmpty()) return detail_.isEmpty() ? QString::fromUtf8(kNoModelText) : detail_;
    if (detail_.isEmpty()) return QStringLiteral("Model: %1").arg(modelName_);
    return QStringLiteral("Model: %1 \u00B7 %2").arg(modelName_, detail_);
}

void StatusController::setDetail(const QString& detail) {
    if (detail == detail_) return;
    detail_ = detail;
    emit textChanged();
}

void StatusController::setActiveModel(const QString& name) {
    if (name == modelName_) return;
    modelName_ = name;
    emit textChanged();
}

void StatusController::setRemote(const QString& text) {
    if (text == remote_) return;
    remote_ = text;
    emit textChanged();
}

void StatusController::reportError(const QString& context, const QString& message) {
    appLog()->error("shown to user: {}: {}", context.toStdString(), message.toStdString());
    errorText_ = context + QStringLiteral(": ") + message;
    emit errorChanged();
}

void StatusController::dismissError() {
    if (errorText_.isEmpty()) return;
    errorText_.clear();
    emit errorChanged();
}

}  // namespace fathom::app
