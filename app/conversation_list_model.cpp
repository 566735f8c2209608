#include "app/conversation_list_model.hpp"

#include "app/time_text.hpp"

namespace fathom::app {

ConversationListModel::ConversationListModel(storage::ConversationStore& store, QObject* parent)
    : QAbstractListModel(parent), store_(store) {}

int ConversationListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant ConversationListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
    const auto& c = rows_[static_cast<size_t>(index.row())];
    switch (role) {
        case IdRole: return QVariant::fromValue<qint64>(c.id);
        case Qt::DisplayRole:
        case TitleRole: return QString::fromStdString(c.title);
        case UpdatedTextRole: return relativeTimeText(c.updated_at);
        default: return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
    return {{IdRole, "conversationId"}, {TitleRole, "title"}, {UpdatedTextRole, "updatedText"}};
}

void ConversationListModel::reload() {
    auto fresh = filter_.trimmed().isEmpty() ? store_.list_conversations()
                                             : store_.search_conversations(filter_.toStdString());
    beginResetModel();
    rows_ = std::move(fresh);
    endResetModel();
    emit countChanged();
}

void ConversationListModel::setFilter(const QString& text) {
    if (text == filter_) return;
    filter_ = text;
    emit filterChanged();
    try {
        reload();
    } catch (const std::exception& e) {
        beginResetModel();
        rows_.clear();
        endResetModel();
        emit countChanged();
        emit searchFailed(QStringLiteral("Search conversations"), QString::fromUtf8(e.what()));
    }
}

int ConversationListModel::rowOf(qint64 conversationId) const {
    for (size_t i = 0; i < rows_.size(); ++i)
        if (rows_[i].id == conversationId) return static_cast<int>(i);
    return -1;
}

QString ConversationListModel::titleAt(int row) const {
    if (row < 0 || row >= static_cast<int>(rows_.size())) return {};
    return QString::fromStdString(rows_[static_cast<size_t>(row)].title);
}

qint64 ConversationListModel::idAt(int row) const {
    if (row < 0 || row >= static_cast<int>(rows_.size())) return 0;
    return rows_[static_cast<size_t>(row)].id;
}

}  // namespace fathom::app
