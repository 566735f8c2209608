// RemoteProbe: the settings page's questions to a server, asked with GET {base}/v1/models: which models it
// serves ("Fetch models") and whether it answers at all and serves the chosen model ("Test connection").
#pragma once

#include "app/remote_http.hpp"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QStringList>



namespace fathom::app {

// The ids in an OpenAI /v1/models body ({"data": [{"id": ...}, ...]}); a body of another shape: `error` set.
QStringList parseModelList(const QByteArray& body, QString* error);

class RemoteProbe : public QObject {
    Q_OBJECT
public:
    static constexpr int kTimeoutMs = 15000;
    explicit RemoteProbe(QObject* parent = nullptr);

    // Asks for the model list; answers with modelsListed or probeFailed. A newer ask replaces an older one.
    void listModels(const RemoteEndpoint& endpoint);
    bool busy() const { return reply_ != nullptr; }

signals:
    void modelsListed(const QStringList& models, qint64 elapsedMs);
    void probeFailed(const QString& message);

private:
    QNetworkAccessManager network_;
    QPointer<QNetworkReply> reply_;
};

}  // namespace fathom::app
