#include "app/message_list_model.hpp"

#include "app/time_text.hpp"

namespace fathom::app {

MessageListModel::MessageListModel(storage::ConversationStore& store, QObject* parent)
    : QAbstractListModel(parent), store_(store) {}

int MessageListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
    const auto& m = rows_[static_cast<size_t>(index.row())];
    switch (role) {
        case RoleRole: return QString::fromStdString(m.role);
        case Qt::DisplayRole:
        case ContentRole: return QString::fromStdString(m.content);
        case ReasoningRole: return QString::fromStdString(m.reasoning);
        case ModeRole: return QString::fromStdString(m.mode);
        case ModelRole: return QString::fromStdString(m.model);
        case TimeTextRole: return clockText(m.created_at);
        default: return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
    return {{RoleRole, "role"},   {ContentRole, "content"}, {ReasoningRole, "reasoning"},
            {ModeRole, "mode"},   {ModelRole, "model"},     {TimeTextRole, "timeText"}};
}

void MessageListModel::showConversation(int64_t conversationId) {
    std::vector<storage::Message> fresh;
    if (conversationId != 0) fresh = store_.messages(conversationId);
    beginResetModel();
    rows_ = std::move(fresh);
    endResetModel();
    emit countChanged();
}

void MessageListModel::append(const storage::Message& message) {
    const int row = static_cast<int>(rows_.size());
    beginInsertRows({}, row, row);
    rows_.push_back(message);
    endInsertRows();
    emit countChanged();
}

QString MessageListModel::contentAt(int row) const {
    if (row < 0 || row >= static_cast<int>(rows_.size())) return {};
    return QString::fromStdString(rows_[static_cast<size_t>(row)].content);
}

QString MessageListModel::roleAt(int row) const {
    if (row < 0 || row >= static_cast<int>(rows_.size())) return {};
    return QString::fromStdString(rows_[static_cast<size_t>(row)].role);
}

}  // namespace fathom::app
