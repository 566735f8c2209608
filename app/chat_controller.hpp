// ChatController: the chat actions the UI calls (new conversation, select, send, rename, delete) over the
// conversation store. Without a loaded model a sent message is stored and no reply is produced; the
// replyNotice property says so in the chat view rather than inventing an answer.
#pragma once

#include "app/conversation_list_model.hpp"
#include "app/message_list_model.hpp"
#include "app/status_controller.hpp"

#include <QObject>

namespace fathom::app {

class ChatController : public QObject {
    Q_OBJECT
    Q_PROPERTY(qint64 currentConversationId READ currentConversationId NOTIFY currentConversationChanged)
    Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentConversationChanged)
    Q_PROPERTY(QString replyNotice READ replyNotice NOTIFY replyNoticeChanged)
    Q_PROPERTY(QStringList reasoningModes READ reasoningModes CONSTANT)

public:
    static constexpr const char* kDefaultTitle = "New conversation";

    ChatController(storage::ConversationStore& store, ConversationListModel& conversations, MessageListModel& messages,
                   StatusController& status, QObject* parent = nullptr);

    qint64 currentConversationId() const { return currentId_; }
    QString currentTitle() const;
    QString replyNotice() const;
    QStringList reasoningModes() const;

    // Reads the stored conversations and shows the most recent one (start-up, "restart" in tests).
    void restore();

    Q_INVOKABLE qint64 newConversation();
    Q_INVOKABLE void selectConversation(qint64 id);
    // Stores `text` as a user message in the current conversation (creating one if none is selected).
    // Returns false, with the reason in the error banner, when nothing was stored.
    Q_INVOKABLE bool sendMessage(const QString& text, const QString& mode);
    Q_INVOKABLE bool renameConversation(qint64 id, const QString& title);
    Q_INVOKABLE bool deleteConversation(qint64 id);

signals:
    void currentConversationChanged();
    void replyNoticeChanged();
    void messageStored(qint64 conversationId);

private:
    void setCurrent(qint64 id);
    // Runs a storage action; a StorageError goes to the error banner with `context` and false is returned.
    template <typename Action>
    bool guarded(const QString& context, Action&& action);

    storage::ConversationStore& store_;
    ConversationListModel& conversations_;
    MessageListModel& messages_;
    StatusController& status_;
    qint64 currentId_ = 0;
};

}  // namespace fathom::app
