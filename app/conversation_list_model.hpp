// ConversationListModel: the sidebar's list of conversations, newest activity first, read from the store.
// The chat controller calls reload() after every change; the list is small enough to re-read whole.
#pragma once

#include "storage/conversation_store.hpp"

#include <QAbstractListModel>

#include <vector>

namespace fathom::app {

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { IdRole = Qt::UserRole + 1, TitleRole, UpdatedTextRole };

    explicit ConversationListModel(storage::ConversationStore& store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Throws storage::StorageError; callers report it.
    void reload();
    Q_INVOKABLE int rowOf(qint64 conversationId) const;
    Q_INVOKABLE QString titleAt(int row) const;
    Q_INVOKABLE qint64 idAt(int row) const;

signals:
    void countChanged();

private:
    storage::ConversationStore& store_;
    std::vector<storage::Conversation> rows_;
};

}  // namespace fathom::app
