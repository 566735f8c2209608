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
    // Search text: when not empty only conversations whose title or messages match are listed (FTS5).
    Q_PROPERTY(QString filter READ filter WRITE setFilter NOTIFY filterChanged)

public:
    enum Role { IdRole = Qt::UserRole + 1, TitleRole, UpdatedTextRole };

    explicit ConversationListModel(storage::ConversationStore& store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Throws storage::StorageError; callers report it.
    void reload();
    QString filter() const { return filter_; }
    // Reloads with the new filter; a storage failure empties the list and goes to searchFailed.
    void setFilter(const QString& text);
    Q_INVOKABLE int rowOf(qint64 conversationId) const;
    Q_INVOKABLE QString titleAt(int row) const;
    Q_INVOKABLE qint64 idAt(int row) const;

signals:
    void countChanged();
    void filterChanged();
    void searchFailed(const QString& context, const QString& message);

private:
    storage::ConversationStore& store_;
    std::vector<storage::Conversation> rows_;
    QString filter_;
};

}  // namespace fathom::app
