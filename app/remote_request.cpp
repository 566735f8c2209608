#include "app/remote_request.hpp"

#include <QJsonArray>
#include <QJsonDocument>

namespace fathom::app {

namespace {
bool isDeepSeekApi(const QUrl& baseUrl) {
    const QString host = baseUrl.host().toLower();
    return host == QLatin1String("deepseek.com") || host.endsWith(QLatin1String(".deepseek.com"));
}
}  // namespace

QJsonObject reasoningFields(const QString& mode, const QUrl& baseUrl) {
    const bool thinking = mode != QLatin1String("standard");
    const bool max = mode == QLatin1String("think-max");
    QJsonObject fields;
    if (isDeepSeekApi(baseUrl)) {
        fields.insert(QStringLiteral("thinking"),
                      QJsonObject{{QStringLiteral("type"), thinking ? QStringLiteral("enabled") : QStringLiteral("disabled")}});
        if (max) fields.insert(QStringLiteral("reasoning_effort"), QStringLiteral("max"));
        return fields;
    }
    QJsonObject kwargs{{QStringLiteral("thinking"), thinking}};
    if (max) kwargs.insert(QStringLiteral("reasoning_effort"), QStringLiteral("max"));
    fields.insert(QStringLiteral("chat_template_kwargs"), kwargs);
    return fields;
}

QByteArray chatCompletionBody(const GenerationRequest& request, const RemoteEndpoint& endpoint) {
    QJsonArray messages;
    for (const ChatTurn& turn : request.turns)
        messages.append(QJsonObject{{QStringLiteral("role"), turn.role}, {QStringLiteral("content"), turn.content}});
    QJsonObject body{
        {QStringLiteral("model"), endpoint.model},
        {QStringLiteral("messages"), messages},
        {QStringLiteral("stream"), true},
        {QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}}},
        {QStringLiteral("temperature"), request.temperature},
        {QStringLiteral("top_p"), request.topP},
        {QStringLiteral("max_tokens"), static_cast<qint64>(request.maxNewTokens)},
    };
    const QJsonObject reasoning = reasoningFields(request.mode, endpoint.baseUrl);
    for (auto it = reasoning.begin(); it != reasoning.end(); ++it) body.insert(it.key(), it.value());
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

}  // namespace fathom::app
