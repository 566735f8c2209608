// Conversations as files: Markdown for reading and sharing, JSON (Fathom's own form, with reasoning and
// statistics) for exporting and importing back without loss.
#pragma once

#include "storage/conversation_store.hpp"

#include <QByteArray>
#include <QString>

#include <vector>

namespace fathom::app {

QString conversationToMarkdown(const storage::Conversation& conversation, const std::vector<storage::Message>& messages);
// `messages` may be the whole tree (every branch, parents first); `activeLeaf` is the shown path's last message.
QByteArray conversationToJson(const storage::Conversation& conversation, const std::vector<storage::Message>& messages,
                              int64_t activeLeaf = 0);

struct ImportedConversation {
    QString title;
    // Parents first; id and parent_id are the file's (version 1, a plain list, reads as one path numbered
    // from 1); conversation_id unset.
    std::vector<storage::Message> messages;
    int64_t activeLeaf = 0;  // the file's id of the path to show; 0 when not given
};
// Throws fathom::Error naming `where` and the field when the JSON is not a conversation in this form.
ImportedConversation conversationFromJson(const QByteArray& json, const QString& where);

}  // namespace fathom::app
