// Conversations as files: Markdown for reading and sharing, JSON (Fathom's own form, with reasoning and
// statistics) for exporting and importing back without loss.
#pragma once

#include "storage/conversation_store.hpp"

#include <QByteArray>
#include <QString>

#include <vector>

namespace fathom::app {

QString conversationToMarkdown(const storage::Conversation& conversation, const std::vector<storage::Message>& messages);
QByteArray conversationToJson(const storage::Conversation& conversation, const std::vector<storage::Message>& messages);

struct ImportedConversation {
    QString title;
    std::vector<storage::Message> messages;  // conversation_id and id unset
};
// Throws fathom::Error naming `where` and the field when the JSON is not a conversation in this form.
ImportedConversation conversationFromJson(const QByteArray& json, const QString& where);

}  // namespace fathom::app
