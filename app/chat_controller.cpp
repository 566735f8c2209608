#include "app/chat_controller.hpp"

namespace fathom::app {

namespace {
constexpr int kTitleLength = 48;

QString titleFromFirstMessage(const QString& text) {
    QString line = text.simplified();
    if (line.size() > kTitleLength) line = line.left(kTitleLength - 1).trimmed() + QChar(0x2026);
    return line;
}
}  // namespace

ChatController::ChatController(storage::ConversationStore& store, ConversationListModel& conversations,
                               MessageListModel& messages, StatusController& status, QObject* parent)
    : QObject(parent), store_(store), conversations_(conversations), messages_(messages), status_(status) {
    connect(&status_, &StatusController::textChanged, this, &ChatController::replyNoticeChanged);
    connect(&messages_, &MessageListModel::countChanged, this, &ChatController::replyNoticeChanged);
}

template <typename Action>
bool ChatController::guarded(const QString& context, Action&& action) {
    try {
        action();
        return true;
    } catch (const std::exception& e) {
        status_.reportError(context, QString::fromUtf8(e.what()));
        return false;
    }
}

QString ChatController::currentTitle() const {
    const int row = conversations_.rowOf(currentId_);
    return row < 0 ? QString() : conversations_.titleAt(row);
}

QString ChatController::replyNotice() const {
    const int last = messages_.rowCount() - 1;
    if (last < 0 || messages_.roleAt(last) != QLatin1String("user") || status_.modelLoaded()) return {};
    return QStringLiteral("Message saved. No model is loaded, so there is no reply. "
                          "Choose a model folder in Settings.");
}

QStringList ChatController::reasoningModes() const {
    return {QStringLiteral("standard"), QStringLiteral("think"), QStringLiteral("think-max")};
}

void ChatController::restore() {
    guarded(QStringLiteral("Load conversations"), [&] {
        conversations_.reload();
        setCurrent(conversations_.rowCount() > 0 ? conversations_.idAt(0) : 0);
    });
}

void ChatController::setCurrent(qint64 id) {
    messages_.showConversation(id);
    currentId_ = id;
    emit currentConversationChanged();
}

qint64 ChatController::newConversation() {
    qint64 id = 0;
    guarded(QStringLiteral("New conversation"), [&] {
        id = store_.create_conversation(kDefaultTitle).id;
        conversations_.reload();
        setCurrent(id);
    });
    return id;
}

void ChatController::selectConversation(qint64 id) {
    if (id == currentId_) return;
    guarded(QStringLiteral("Open conversation"), [&] { setCurrent(id); });
}

bool ChatController::sendMessage(const QString& text, const QString& mode) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) return false;
    if (!reasoningModes().contains(mode)) {
        status_.reportError(QStringLiteral("Send message"), QStringLiteral("unknown reasoning mode '%1'").arg(mode));
        return false;
    }
    return guarded(QStringLiteral("Send message"), [&] {
        if (currentId_ == 0) {
            currentId_ = store_.create_conversation(titleFromFirstMessage(trimmed).toStdString()).id;
            messages_.showConversation(currentId_);
        } else if (messages_.rowCount() == 0 && currentTitle() == QLatin1String(kDefaultTitle)) {
            store_.rename_conversation(currentId_, titleFromFirstMessage(trimmed).toStdString());
        }
        storage::Message message;
        message.conversation_id = currentId_;
        message.role = "user";
        message.content = trimmed.toStdString();
        message.mode = mode.toStdString();
        messages_.append(store_.append_message(message));
        conversations_.reload();
        emit currentConversationChanged();
        emit messageStored(currentId_);
    });
}

bool ChatController::renameConversation(qint64 id, const QString& title) {
    const QString trimmed = title.simplified();
    if (trimmed.isEmpty()) return false;
    return guarded(QStringLiteral("Rename conversation"), [&] {
        store_.rename_conversation(id, trimmed.toStdString());
        conversations_.reload();
        emit currentConversationChanged();
    });
}

bool ChatController::deleteConversation(qint64 id) {
    return guarded(QStringLiteral("Delete conversation"), [&] {
        store_.delete_conversation(id);
        conversations_.reload();
        if (id == currentId_) setCurrent(conversations_.rowCount() > 0 ? conversations_.idAt(0) : 0);
    });
}

}  // namespace fathom::app
