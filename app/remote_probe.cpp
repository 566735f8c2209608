#include "app/remote_probe.hpp"

#include "app/app_log.hpp"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>

namespace fathom::app {

QStringList parseModelList(const QByteArray& body, QString* error) {
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    const QJsonValue data = doc.object().value(QLatin1String("data"));
    if (!doc.isObject() || !data.isArray()) {
        if (error)
            *error = parseError.error != QJsonParseError::NoError
                ? QStringLiteral("the model list is not JSON (%1)").arg(parseError.errorString())
                : QStringLiteral("the model list has no \"data\" array");
        return {};
    }
    QStringList ids;
    for (const QJsonValue& entry : data.toArray()) {
        const QString id = entry.toObject().value(QLatin1String("id")).toString();
        if (!id.isEmpty()) ids << id;
    }
    return ids;
}

RemoteProbe::RemoteProbe(QObject* parent) : QObject(parent) {}

void RemoteProbe::listModels(const RemoteEndpoint& endpoint) {
    if (reply_) {
        reply_->disconnect(this);
        reply_->abort();
        reply_->deleteLater();
    }
    QNetworkRequest request = apiRequest(endpoint, QStringLiteral("models"), "application/json");
    request.setTransferTimeout(kTimeoutMs);
    appLog()->info("remote probe: GET {}", request.url().toString().toStdString());
    QElapsedTimer clock;
    clock.start();
    QNetworkReply* reply = network_.get(request);
    reply_ = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, clock] {
        reply->deleteLater();
        if (reply_ == reply) reply_ = nullptr;
        const QByteArray body = reply->readAll();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() == QNetworkReply::OperationCanceledError && status == 0) {
            // setTransferTimeout aborts the reply: say it timed out rather than "operation cancelled".
            emit probeFailed(QStringLiteral("%1 did not answer within %2 s").arg(hostText(reply->url())).arg(kTimeoutMs / 1000));
            return;
        }
        if (reply->error() != QNetworkReply::NoError || status >= 300) {
            emit probeFailed(describeFailure(*reply, body));
            return;
        }
        QString error;
        const QStringList models = parseModelList(body, &error);
        if (!error.isEmpty()) {
            emit probeFailed(QStringLiteral("%1: %2").arg(hostText(reply->url()), error));
            return;
        }
        emit modelsListed(models, clock.elapsed());
    });
}

}  // namespace fathom::app
