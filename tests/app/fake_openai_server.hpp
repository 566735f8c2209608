// FakeOpenAiServer: a real HTTP server on 127.0.0.1 for the remote-backend suites. Each path answers with a
// scripted response, written in pieces with a pause between them (so the client reads them as separate
// packets), chunked or not; or endlessly, until the client hangs up; or never. Requests are recorded.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <memory>
#include <vector>

namespace remote_test {

struct ScriptedResponse {
    int status = 200;
    QByteArray reason = "OK";
    QByteArray contentType = "text/event-stream";
    std::vector<QByteArray> pieces;  // written one at a time
    int pauseMs = 5;                 // between pieces
    bool chunked = true;             // Transfer-Encoding: chunked; else Content-Length
    QByteArray endlessPiece;         // when set: written every pauseMs after `pieces` until the client hangs up
    bool neverAnswer = false;        // read the request, answer nothing
};

struct RecordedRequest {
    QByteArray method, path, body;
    QHash<QByteArray, QByteArray> headers;  // names in lower case
};

// An SSE body cut every `step` bytes (odd steps cut lines, JSON and UTF-8 characters anywhere).
inline std::vector<QByteArray> splitEvery(const QByteArray& body, int step) {
    std::vector<QByteArray> pieces;
    for (qsizetype at = 0; at < body.size(); at += step) pieces.push_back(body.mid(at, step));
    return pieces;
}

class FakeOpenAiServer : public QObject {
    Q_OBJECT
public:
    FakeOpenAiServer() {
        server_.listen(QHostAddress::LocalHost, 0);
        connect(&server_, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = server_.nextPendingConnection()) serve(socket);
        });
    }

    bool listening() const { return server_.isListening(); }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(server_.serverPort()); }
    void route(const QByteArray& path, ScriptedResponse response) { routes_[path] = std::move(response); }

    QList<RecordedRequest> requests;
    int endlessPiecesSent = 0;
    int disconnects = 0;

signals:
    void requestReceived();

private:
    struct Connection {
        QPointer<QTcpSocket> socket;
        QByteArray buffer;
        bool answered = false;
        ScriptedResponse response;
        size_t next = 0;
        QTimer timer;
    };

    void serve(QTcpSocket* socket) {
        auto connection = std::make_shared<Connection>();
        connection->socket = socket;
        connection->timer.setSingleShot(true);
        connect(socket, &QTcpSocket::disconnected, this, [this, socket, connection] {
            ++disconnects;
            connection->timer.stop();
            socket->deleteLater();
        });
        connect(socket, &QTcpSocket::readyRead, this, [this, connection] { onRead(connection); });
        connect(&connection->timer, &QTimer::timeout, this, [this, connection] { writeNext(connection); });
    }

    void onRead(const std::shared_ptr<Connection>& c) {
        c->buffer += c->socket->readAll();
        if (c->answered) return;
        const qsizetype headerEnd = c->buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) return;
        RecordedRequest request;
        const QList<QByteArray> lines = c->buffer.left(headerEnd).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        request.method = first.value(0);
        request.path = first.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0) request.headers[lines[i].left(colon).trimmed().toLower()] = lines[i].mid(colon + 1).trimmed();
        }
        const qsizetype length = request.headers.value("content-length", "0").toLongLong();
        if (c->buffer.size() < headerEnd + 4 + length) return;
        request.body = c->buffer.mid(headerEnd + 4, length);
        c->answered = true;
        requests.push_back(request);
        emit requestReceived();
        if (!routes_.contains(request.path)) {
            c->response = ScriptedResponse{404, "Not Found", "application/json", {R"({"detail":"Not Found"})"}, 0, false};
        } else {
            c->response = routes_.value(request.path);
        }
        if (c->response.neverAnswer) return;
        const ScriptedResponse& r = c->response;
        QByteArray head = "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + r.reason + "\r\n";
        head += "Content-Type: " + r.contentType + "\r\nConnection: close\r\nCache-Control: no-cache\r\n";
        if (r.chunked) {
            head += "Transfer-Encoding: chunked\r\n";
        } else {
            qsizetype total = 0;
            for (const QByteArray& piece : r.pieces) total += piece.size();
            head += "Content-Length: " + QByteArray::number(total) + "\r\n";
        }
        c->socket->write(head + "\r\n");
        c->socket->flush();
        c->timer.start(r.pauseMs);
    }

    void writeNext(const std::shared_ptr<Connection>& c) {
        if (!c->socket || c->socket->state() != QAbstractSocket::ConnectedState) return;
        const ScriptedResponse& r = c->response;
        auto write = [&](const QByteArray& piece) {
            if (r.chunked) c->socket->write(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
            else c->socket->write(piece);
            c->socket->flush();
        };
        if (c->next < r.pieces.size()) {
            write(r.pieces[c->next++]);
            c->timer.start(r.pauseMs);
            return;
        }
        if (!r.endlessPiece.isEmpty()) {
            write(r.endlessPiece);
            ++endlessPiecesSent;
            c->timer.start(r.pauseMs);
            return;
        }
        if (r.chunked) c->socket->write("0\r\n\r\n");
        c->socket->flush();
        c->socket->disconnectFromHost();
    }

    QTcpServer server_;
    QHash<QByteArray, ScriptedResponse> routes_;
};

// One OpenAI chat.completion.chunk as an SSE event.
inline QByteArray chunkEvent(const QByteArray& deltaJson, const QByteArray& finishReason = "null") {
    return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"fake-v4\",\"choices\":[{\"index\":0,\"delta\":"
           + deltaJson + ",\"finish_reason\":" + finishReason + "}]}\n\n";
}

}  // namespace remote_test
