#include "app/message_list_model.hpp"

#include "app/answer_segments.hpp"
#include "app/time_text.hpp"

#include <algorithm>

namespace fathom::app {

MessageListModel::MessageListModel(storage::ConversationStore& store, QObject* parent)
    : QAbstractListModel(parent), store_(store) {}

int MessageListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
    const auto& m = rows_[static_cast<size_t>(index.row())];
    const bool streamingRow = streaming_ && index.row() == static_cast<int>(rows_.size()) - 1;
    switch (role) {
        case RoleRole: return QString::fromStdString(m.role);
        case Qt::DisplayRole:
        case ContentRole: return QString::fromStdString(m.content);
        case ReasoningRole: return QString::fromStdString(m.reasoning);
        case ModeRole: return QString::fromStdString(m.mode);
        case ModelRole: return QString::fromStdString(m.model);
        case TimeTextRole: return clockText(m.created_at);
        case StreamingRole: return streamingRow;
        case StatsTextRole: return streamingRow ? QString() : statsText(m);
        case MessageIdRole: return QVariant::fromValue<qint64>(m.id);
        case BranchIndexRole: return branches_[static_cast<size_t>(index.row())].index;
        case BranchCountRole: return branches_[static_cast<size_t>(index.row())].count;
        case SegmentsRole:
            return m.role == "assistant" ? answerSegmentsForQml(QString::fromStdString(m.content)) : QVariantList();
        default: return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
    return {{RoleRole, "role"},         {ContentRole, "content"},     {ReasoningRole, "reasoning"},
            {ModeRole, "mode"},         {ModelRole, "model"},         {TimeTextRole, "timeText"},
            {StreamingRole, "streaming"}, {StatsTextRole, "statsText"}, {MessageIdRole, "messageId"},
            {BranchIndexRole, "branchIndex"}, {BranchCountRole, "branchCount"}, {SegmentsRole, "segments"}};
}

QString MessageListModel::statsText(const storage::Message& m) {
    if (m.role != "assistant") return {};
    QStringList parts;
    parts << QStringLiteral("%1 tokens").arg(m.completion_tokens);
    if (m.reasoning_tokens > 0) parts << QStringLiteral("%1 reasoning").arg(m.reasoning_tokens);
    parts << QStringLiteral("first token %1 ms").arg(qRound(m.time_to_first_token_ms));
    // Decode rate: the tokens after the first over the decode time.
    if (m.completion_tokens > 1 && m.decode_ms > 0)
        parts << QStringLiteral("%1 tokens/s").arg((m.completion_tokens - 1) * 1000.0 / m.decode_ms, 0, 'f', 1);
    parts << QString::fromStdString(m.mode);
    return parts.join(QStringLiteral(" \u00B7 "));
}

void MessageListModel::showConversation(int64_t conversationId) {
    std::vector<storage::Message> fresh;
    if (conversationId != 0) fresh = store_.messages(conversationId);
    std::vector<BranchPlace> places;
    for (const auto& m : fresh) places.push_back(branchPlace(m));
    beginResetModel();
    rows_ = std::move(fresh);
    branches_ = std::move(places);
    streaming_ = false;
    endResetModel();
    emit countChanged();
}

void MessageListModel::append(const storage::Message& message) {
    const int row = static_cast<int>(rows_.size());
    const BranchPlace place = branchPlace(message);
    beginInsertRows({}, row, row);
    rows_.push_back(message);
    branches_.push_back(place);
    endInsertRows();
    emit countChanged();
}

void MessageListModel::removeLast() {
    if (rows_.empty()) return;
    const int row = static_cast<int>(rows_.size()) - 1;
    beginRemoveRows({}, row, row);
    rows_.pop_back();
    branches_.pop_back();
    streaming_ = false;
    endRemoveRows();
    emit countChanged();
}

void MessageListModel::beginStreaming(const QString& mode, const QString& model) {
    storage::Message reply;
    reply.role = "assistant";
    reply.mode = mode.toStdString();
    reply.model = model.toStdString();
    reply.created_at = storage::now_ms();
    append(reply);
    streaming_ = true;
    const QModelIndex changed = index(static_cast<int>(rows_.size()) - 1);
    emit dataChanged(changed, changed, {StreamingRole, StatsTextRole});
}

void MessageListModel::appendStreaming(const QString& reasoning, const QString& answer) {
    if (!streaming_ || rows_.empty()) return;
    auto& reply = rows_.back();
    QList<int> roles;
    if (!reasoning.isEmpty()) {
        reply.reasoning += reasoning.toStdString();
        roles << ReasoningRole;
    }
    if (!answer.isEmpty()) {
        reply.content += answer.toStdString();
        roles << ContentRole << SegmentsRole;
    }
    if (roles.isEmpty()) return;
    const QModelIndex changed = index(static_cast<int>(rows_.size()) - 1);
    emit dataChanged(changed, changed, roles);
}

void MessageListModel::finishStreaming(const storage::Message& stored) {
    if (!streaming_ || rows_.empty()) return;
    rows_.back() = stored;
    branches_.back() = branchPlace(stored);
    streaming_ = false;
    const QModelIndex changed = index(static_cast<int>(rows_.size()) - 1);
    emit dataChanged(changed, changed);
}

void MessageListModel::abandonStreaming() {
    if (streaming_) removeLast();
}

QString MessageListModel::contentAt(int row) const {
    if (row < 0 || row >= static_cast<int>(rows_.size())) return {};
    return QString::fromStdString(rows_[static_cast<size_t>(row)].content);
}

QString MessageListModel::reasoningAt(int row) const {
    if (row < 0 || row >= static_cast<int>(rows_.size())) return {};
    return QString::fromStdString(rows_[static_cast<size_t>(row)].reasoning);
}

QString MessageListModel::statsTextAt(int row) const {
    if (row < 0 || row >= static_cast<int>(rows_.size())) return {};
    return statsText(rows_[static_cast<size_t>(row)]);
}

MessageListModel::BranchPlace MessageListModel::branchPlace(const storage::Message& message) const {
    if (message.id == 0) return {};  // not stored yet (the streamed reply)
    const std::vector<int64_t> siblings = store_.sibling_ids(message.id);
    const auto at = std::find(siblings.begin(), siblings.end(), message.id);
    if (at == siblings.end()) return {};
    return {static_cast<int>(at - siblings.begin()) + 1, static_cast<int>(siblings.size())};
}

std::vector<int64_t> MessageListModel::siblingIds(int row) const {
    if (row < 0 || row >= static_cast<int>(rows_.size()) || rows_[static_cast<size_t>(row)].id == 0) return {};
    return store_.sibling_ids(rows_[static_cast<size_t>(row)].id);
}

QString MessageListModel::roleAt(int row) const {
    if (row < 0 || row >= static_cast<int>(rows_.size())) return {};
    return QString::fromStdString(rows_[static_cast<size_t>(row)].role);
}

}  // namespace fathom::app
