// The HTTP side shared by the remote backend and the settings probes: where an OpenAI-compatible server is
// (base URL, model, optional API key), how a request to it is addressed, and how a failure is worded for the user.
#pragma once

#include <QByteArray>
#include <QNetworkRequest>
#include <QString>
#include <QUrl>

class QNetworkReply;

namespace fathom::app {

struct RemoteEndpoint {
    QUrl baseUrl;    // http://gpu-box:8000 (a trailing /v1, as OpenAI clients write it, is accepted too)
    QString model;   // as the server names it in /v1/models
    QString apiKey;  // sent as "Authorization: Bearer <key>" when not empty
};

// Parses what the user typed; a bare "host:port" gets http://. Invalid or non-http(s) input: an empty QUrl and `error`.
QUrl parseBaseUrl(const QString& text, QString* error = nullptr);
// {base}/v1/<path>, without doubling a /v1 the base already ends with.
QUrl apiUrl(const QUrl& base, const QString& path);
// "gpu-box:8000" for the status bar.
QString hostText(const QUrl& base);
// A request to `path` with JSON content type, the Bearer key, and `accept` as the Accept header.
QNetworkRequest apiRequest(const RemoteEndpoint& endpoint, const QString& path, const QByteArray& accept);

// The server's own explanation in an error body: OpenAI's {"error": {"message"}}, {"error": "..."},
// FastAPI's {"detail"}, {"message"}; else the body's start when it is short text; else empty.
QString serverErrorMessage(const QByteArray& body);
// What went wrong with `reply`, for the error banner: the HTTP status and the server's message, or the
// network failure in plain words (connection refused, host not found, TLS). `body` is what the reply returned.
QString describeFailure(QNetworkReply& reply, const QByteArray& body);

}  // namespace fathom::app
