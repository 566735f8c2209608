// MessageListModel: the messages of the conversation shown in the chat view, oldest first.
// Appending goes through append() so the view scrolls to the new row instead of rebuilding.
#pragma once

#include "storage/conversation_store.hpp"

#include <QAbstractListModel>

#include <vector>

namespace fathom::app {

class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { RoleRole = Qt::UserRole + 1, ContentRole, ReasoningRole, ModeRole, ModelRole, TimeTextRole };

    explicit MessageListModel(storage::ConversationStore& store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // 0 clears the view. Both throw storage::StorageError; callers report it.
    void showConversation(int64_t conversationId);
    void append(const storage::Message& message);
    Q_INVOKABLE QString contentAt(int row) const;
    QString roleAt(int row) const;

signals:
    void countChanged();

private:
    storage::ConversationStore& store_;
    std::vector<storage::Message> rows_;
};

}  // namespace fathom::app
