#include "app/remote_http.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>

namespace fathom::app {

QUrl parseBaseUrl(const QString& text, QString* error) {
    const QString trimmed = text.trimmed();
    auto fail = [&](const QString& why) {
        if (error) *error = why;
        return QUrl();
    };
    if (trimmed.isEmpty()) return fail(QStringLiteral("no server address is set"));
    QUrl url = QUrl::fromUserInput(trimmed.contains(QStringLiteral("://")) ? trimmed : QStringLiteral("http://") + trimmed);
    if (!url.isValid() || url.host().isEmpty())
        return fail(QStringLiteral("'%1' is not a server address (expected e.g. http://gpu-box:8000)").arg(trimmed));
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        return fail(QStringLiteral("'%1' is not an http or https address").arg(trimmed));
    url.setQuery(QString());
    url.setFragment(QString());
    return url;
}

QUrl apiUrl(const QUrl& base, const QString& path) {
    QUrl url = base;
    QString prefix = url.path();
    while (prefix.endsWith(QLatin1Char('/'))) prefix.chop(1);
    if (!prefix.endsWith(QLatin1String("/v1"))) prefix += QStringLiteral("/v1");
    url.setPath(prefix + QLatin1Char('/') + path);
    return url;
}

QString hostText(const QUrl& base) {
    return base.port() > 0 ? QStringLiteral("%1:%2").arg(base.host()).arg(base.port()) : base.host();
}

QNetworkRequest apiRequest(const RemoteEndpoint& endpoint, const QString& path, const QByteArray& accept) {
    QNetworkRequest request(apiUrl(endpoint.baseUrl, path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", accept);
    if (!endpoint.apiKey.isEmpty()) request.setRawHeader("Authorization", "Bearer " + endpoint.apiKey.toUtf8());
    // A redirect to another host would carry the key there; servers of this kind do not redirect.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    return request;
}

QString serverErrorMessage(const QByteArray& body) {
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    if (doc.isObject()) {
        const QJsonObject object = doc.object();
        const QJsonValue error = object.value(QLatin1String("error"));
        if (error.isObject()) {
            const QString message = error.toObject().value(QLatin1String("message")).toString();
            if (!message.isEmpty()) return message;
        }
        if (error.isString()) return error.toString();
        for (const char* key : {"detail", "message"}) {
            const QJsonValue value = object.value(QLatin1String(key));
            if (value.isString()) return value.toString();
            // FastAPI's validation errors put a list here: shown as compact JSON, which still says what was wrong.
            if (value.isArray()) return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
            if (value.isObject()) return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        }
        return {};
    }
    const QString text = QString::fromUtf8(body).simplified();
    if (text.isEmpty() || text.startsWith(QLatin1Char('<'))) return {};  // an HTML error page says nothing useful
    return text.size() > 200 ? text.left(200) + QChar(0x2026) : text;
}

QString describeFailure(QNetworkReply& reply, const QByteArray& body) {
    const QString host = hostText(reply.url());
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 300) {
        const QString reason = reply.attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        QString text = QStringLiteral("%1 answered HTTP %2").arg(host).arg(status);
        if (!reason.isEmpty()) text += QStringLiteral(" (%1)").arg(reason);
        const QString message = serverErrorMessage(body);
        if (!message.isEmpty()) text += QStringLiteral(": ") + message;
        if (status == 401 || status == 403) text += QStringLiteral(". Check the API key in Settings.");
        else if (status == 404) text += QStringLiteral(". Check the server address and the model name in Settings.");
        return text;
    }
    switch (reply.error()) {
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("cannot connect to %1: connection refused (is the server running, on this port?)").arg(host);
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("cannot connect to %1: host not found").arg(host);
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("%1 closed the connection before answering").arg(host);
    case QNetworkReply::TimeoutError:
        return QStringLiteral("%1 did not answer in time").arg(host);
    case QNetworkReply::SslHandshakeFailedError:
        return QStringLiteral("secure connection to %1 failed: %2").arg(host, reply.errorString());
    default:
        return QStringLiteral("request to %1 failed: %2").arg(host, reply.errorString());
    }
}

}  // namespace fathom::app
