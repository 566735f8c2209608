// MessageListModel: the messages of the conversation shown in the chat view, oldest first, plus at most one
// reply being streamed (not stored until it ends). Appending goes through append() so the view scrolls
// to the new row instead of rebuilding. The rows are the conversation's active path; each knows its place
// among its siblings (the branches at that point), for the "‹ 2/3 ›" switch.
#pragma once

#include "storage/conversation_store.hpp"

#include <QAbstractListModel>

#include <vector>

namespace fathom::app {

class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role {
        RoleRole = Qt::UserRole + 1, ContentRole, ReasoningRole, ModeRole, ModelRole, TimeTextRole,
        StreamingRole, StatsTextRole, MessageIdRole, BranchIndexRole, BranchCountRole,
        SegmentsRole  // a reply split into prose and code blocks (answer_segments.hpp)
    };

    explicit MessageListModel(storage::ConversationStore& store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // 0 clears the view. Both throw storage::StorageError; callers report it.
    void showConversation(int64_t conversationId);
    void append(const storage::Message& message);
    void removeLast();
    const storage::Message& at(int row) const { return rows_[static_cast<size_t>(row)]; }
    Q_INVOKABLE QString contentAt(int row) const;
    Q_INVOKABLE QString reasoningAt(int row) const;
    Q_INVOKABLE QString statsTextAt(int row) const;
    QString roleAt(int row) const;
    // The stored siblings of the row's message, itself included, oldest first (empty for the streamed row).
    std::vector<int64_t> siblingIds(int row) const;

    // The streamed reply: a row at the end, grown in place, then replaced by the stored message.
    void beginStreaming(const QString& mode, const QString& model);
    void appendStreaming(const QString& reasoning, const QString& answer);
    void finishStreaming(const storage::Message& stored);
    void abandonStreaming();
    bool streaming() const { return streaming_; }

    // "412 tokens · first token 85 ms · 31.2 tokens/s · think"; empty for user messages.
    static QString statsText(const storage::Message& message);

signals:
    void countChanged();

private:
    storage::ConversationStore& store_;
    struct BranchPlace {
        int index = 1, count = 1;  // 1-based position among the siblings
    };
    BranchPlace branchPlace(const storage::Message& message) const;

    std::vector<storage::Message> rows_;
    std::vector<BranchPlace> branches_;  // one per row
    bool streaming_ = false;
};

}  // namespace fathom::app
