#include "app/conversation_export.hpp"

#include "fathom/error.hpp"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

namespace fathom::app {

namespace {
// Version 2 adds "id" and "parent" to each message and "active_leaf": the whole tree of branches.
constexpr int kFormatVersion = 2;

QString isoTime(int64_t epochMs) {
    return QDateTime::fromMSecsSinceEpoch(epochMs, Qt::UTC).toString(Qt::ISODateWithMs);
}

[[noreturn]] void fail(const QString& where, const QString& what) {
    throw Error(QStringLiteral("%1: %2").arg(where, what).toStdString());
}
}  // namespace

QString conversationToMarkdown(const storage::Conversation& conversation, const std::vector<storage::Message>& messages) {
    QString out = QStringLiteral("# %1\n\n").arg(QString::fromStdString(conversation.title));
    out += QStringLiteral("_Exported from Fathom; started %1 (UTC)._\n").arg(isoTime(conversation.created_at));
    for (const auto& m : messages) {
        const QString who = m.role == "user" ? QStringLiteral("You")
                            : m.role == "assistant" ? QStringLiteral("Fathom")
                                                    : QString::fromStdString(m.role);
        out += QStringLiteral("\n## %1\n\n").arg(who);
        if (!m.reasoning.empty()) {
            // A quote block keeps the reasoning visibly apart from the answer in any Markdown viewer.
            out += QStringLiteral("> **Reasoning**\n>\n");
            for (const QString& line : QString::fromStdString(m.reasoning).split(QLatin1Char('\n')))
                out += QStringLiteral("> %1\n").arg(line);
            out += QLatin1Char('\n');
        }
        out += QString::fromStdString(m.content) + QLatin1Char('\n');
        if (m.role == "assistant")
            out += QStringLiteral("\n_%1 tokens, mode %2%3_\n")
                       .arg(m.completion_tokens)
                       .arg(QString::fromStdString(m.mode))
                       .arg(m.model.empty() ? QString() : QStringLiteral(", model ") + QString::fromStdString(m.model));
    }
    return out;
}

QByteArray conversationToJson(const storage::Conversation& conversation, const std::vector<storage::Message>& messages,
                              int64_t activeLeaf) {
    QJsonArray list;
    for (const auto& m : messages) {
        list.append(QJsonObject{
            {QStringLiteral("id"), static_cast<double>(m.id)},
            {QStringLiteral("parent"), m.parent_id == 0 ? QJsonValue() : QJsonValue(static_cast<double>(m.parent_id))},
            {QStringLiteral("role"), QString::fromStdString(m.role)},
            {QStringLiteral("content"), QString::fromStdString(m.content)},
            {QStringLiteral("reasoning"), QString::fromStdString(m.reasoning)},
            {QStringLiteral("mode"), QString::fromStdString(m.mode)},
            {QStringLiteral("model"), QString::fromStdString(m.model)},
            {QStringLiteral("prompt_tokens"), static_cast<double>(m.prompt_tokens)},
            {QStringLiteral("completion_tokens"), static_cast<double>(m.completion_tokens)},
            {QStringLiteral("reasoning_tokens"), static_cast<double>(m.reasoning_tokens)},
            {QStringLiteral("prefill_ms"), m.prefill_ms},
            {QStringLiteral("decode_ms"), m.decode_ms},
            {QStringLiteral("time_to_first_token_ms"), m.time_to_first_token_ms},
            {QStringLiteral("created_at"), isoTime(m.created_at)},
        });
    }
    const QJsonObject root{{QStringLiteral("format"), QStringLiteral("fathom-conversation")},
                           {QStringLiteral("version"), kFormatVersion},
                           {QStringLiteral("title"), QString::fromStdString(conversation.title)},
                           {QStringLiteral("created_at"), isoTime(conversation.created_at)},
                           {QStringLiteral("active_leaf"), static_cast<double>(activeLeaf)},
                           {QStringLiteral("messages"), list}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

ImportedConversation conversationFromJson(const QByteArray& json, const QString& where) {
    ImportedConversation result;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (doc.isNull()) fail(where, QStringLiteral("not JSON (%1 at byte %2)").arg(error.errorString()).arg(error.offset));
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String("fathom-conversation"))
        fail(where, QStringLiteral("\"format\" is not \"fathom-conversation\" (not a Fathom export)"));
    const int version = root.value(QStringLiteral("version")).toInt();
    if (version < 1 || version > kFormatVersion)
        fail(where, QStringLiteral("\"version\" %1 is not supported (expected 1 to %2)").arg(version).arg(kFormatVersion));
    result.activeLeaf = root.value(QStringLiteral("active_leaf")).toInteger();
    result.title = root.value(QStringLiteral("title")).toString().simplified();
    if (result.title.isEmpty()) result.title = QStringLiteral("Imported conversation");
    const QJsonValue messages = root.value(QStringLiteral("messages"));
    if (!messages.isArray()) fail(where, QStringLiteral("\"messages\" must be an array"));
    int index = 0;
    QSet<int64_t> seen;
    for (const QJsonValue& value : messages.toArray()) {
        const QString at = QStringLiteral("messages[%1]").arg(index++);
        if (!value.isObject()) fail(where, at + QStringLiteral(" must be an object"));
        const QJsonObject o = value.toObject();
        storage::Message m;
        m.role = o.value(QStringLiteral("role")).toString().toStdString();
        if (m.role != "user" && m.role != "assistant" && m.role != "system" && m.role != "tool")
            fail(where, at + QStringLiteral(".role must be user, assistant, system or tool"));
        m.content = o.value(QStringLiteral("content")).toString().toStdString();
        m.reasoning = o.value(QStringLiteral("reasoning")).toString().toStdString();
        m.mode = o.value(QStringLiteral("mode")).toString(QStringLiteral("standard")).toStdString();
        if (m.mode != "standard" && m.mode != "think" && m.mode != "think-max")
            fail(where, at + QStringLiteral(".mode must be standard, think or think-max"));
        m.model = o.value(QStringLiteral("model")).toString().toStdString();
        m.prompt_tokens = o.value(QStringLiteral("prompt_tokens")).toInteger();
        m.completion_tokens = o.value(QStringLiteral("completion_tokens")).toInteger();
        m.reasoning_tokens = o.value(QStringLiteral("reasoning_tokens")).toInteger();
        m.prefill_ms = o.value(QStringLiteral("prefill_ms")).toDouble();
        m.decode_ms = o.value(QStringLiteral("decode_ms")).toDouble();
        m.time_to_first_token_ms = o.value(QStringLiteral("time_to_first_token_ms")).toDouble();
        const QDateTime created = QDateTime::fromString(o.value(QStringLiteral("created_at")).toString(), Qt::ISODateWithMs);
        m.created_at = created.isValid() ? created.toMSecsSinceEpoch() : 0;
        if (version == 1) {  // a plain list: one path
            m.id = index;
            m.parent_id = index - 1;
        } else {
            m.id = o.value(QStringLiteral("id")).toInteger();
            m.parent_id = o.value(QStringLiteral("parent")).toInteger();  // null for a first message
            if (m.id <= 0 || seen.contains(m.id)) fail(where, at + QStringLiteral(".id must be a new positive number"));
            if (m.parent_id != 0 && !seen.contains(m.parent_id))
                fail(where, at + QStringLiteral(".parent must name an earlier message"));
        }
        seen.insert(m.id);
        result.messages.push_back(std::move(m));
    }
    return result;
}

}  // namespace fathom::app
