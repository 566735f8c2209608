#include "app/chat_controller.hpp"

#include "app/answer_segments.hpp"
#include "app/app_log.hpp"
#include "app/chat_context_builder.hpp"
#include "app/conversation_export.hpp"

#include <QClipboard>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QSaveFile>

#include <algorithm>

namespace fathom::app {

namespace {
constexpr int kTitleLength = 48;

QString titleFromFirstMessage(const QString& text) {
    QString line = text.simplified();
    if (line.size() > kTitleLength) line = line.left(kTitleLength - 1).trimmed() + QChar(0x2026);
    return line;
}

QString pathOf(const QUrl& url) { return url.isLocalFile() ? url.toLocalFile() : url.toString(); }
}  // namespace

ChatController::ChatController(storage::ConversationStore& store, ConversationListModel& conversations,
                               MessageListModel& messages, StatusController& status, EngineWorker& engine,
                               ModelController& model, SettingsController& settings, QObject* parent)
    : QObject(parent), store_(store), conversations_(conversations), messages_(messages), status_(status),
      engine_(engine), model_(model), settings_(settings), backends_(engine_, model_, settings_.remote(), status_),
      deletion_(store_) {
    connect(&deletion_, &DeletionUndo::purgeFailed, &status_, &StatusController::reportError);
    connect(&status_, &StatusController::textChanged, this, &ChatController::replyNoticeChanged);
    connect(&messages_, &MessageListModel::countChanged, this, &ChatController::replyNoticeChanged);
    connect(&model_, &ModelController::stateChanged, this, &ChatController::replyNoticeChanged);
    connect(&backends_, &ChatBackend::textDelta, this, &ChatController::onTextDelta);
    connect(&backends_, &ChatBackend::finished, this, &ChatController::onFinished);
    connect(&backends_, &ChatBackend::failed, this, &ChatController::onFailed);
    connect(&backends_, &ChatBackend::availabilityChanged, this, &ChatController::replyNoticeChanged);
    connect(&backends_, &ChatBackend::availabilityChanged, this, &ChatController::generatingChanged);
    connect(&conversations_, &ConversationListModel::searchFailed, &status_, &StatusController::reportError);
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
    if (row >= 0) return conversations_.titleAt(row);
    // The search filter may hide the current conversation from the list; its title is still its title.
    if (currentId_ == 0) return {};
    try {
        if (const auto c = store_.find_conversation(currentId_)) return QString::fromStdString(c->title);
    } catch (const std::exception&) {
    }
    return {};
}

QString ChatController::replyNotice() const {
    const int last = messages_.rowCount() - 1;
    if (last < 0 || messages_.roleAt(last) != QLatin1String("user") || generating_) return {};
    if (backends_.remoteActive())
        return backends_.ready() ? QString() : QStringLiteral("Message saved. The remote server is not set up (%1); see Settings.")
                                                   .arg(settings_.remote().problem());
    if (model_.loading()) return QStringLiteral("Message saved. The model is still loading; send again once it is ready.");
    if (model_.ready()) return {};
    return QStringLiteral("Message saved. No model is loaded, so there is no reply. "
                          "Choose a model folder in Settings.");
}

QStringList ChatController::reasoningModes() const {
    return {QStringLiteral("standard"), QStringLiteral("think"), QStringLiteral("think-max")};
}

bool ChatController::canRegenerate() const {
    const int last = messages_.rowCount() - 1;
    return !generating_ && backends_.ready() && last >= 1 && messages_.roleAt(last) == QLatin1String("assistant");
}

void ChatController::restore() {
    guarded(QStringLiteral("Load conversations"), [&] {
        store_.purge_deleted();
        conversations_.reload();
        setCurrent(conversations_.rowCount() > 0 ? conversations_.idAt(0) : 0);
    });
}

void ChatController::setCurrent(qint64 id) {
    cancelEdit();
    messages_.showConversation(id);
    currentId_ = id;
    emit currentConversationChanged();
    emit generatingChanged();  // canRegenerate depends on the shown messages
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
    if (generating_) {
        status_.reportError(QStringLiteral("Send message"), QStringLiteral("a reply is still being written; stop it first (Esc)"));
        return false;
    }
    const bool stored = guarded(QStringLiteral("Send message"), [&] {
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
        message.parent_id = messages_.rowCount() > 0 ? messages_.at(messages_.rowCount() - 1).id : 0;
        messages_.append(store_.append_child(message));
        conversations_.reload();
        emit currentConversationChanged();
        emit messageStored(currentId_);
    });
    if (stored && backends_.ready()) startReply(mode);
    return stored;
}

void ChatController::startReply(const QString& mode) {
    GenerationRequest request;
    request.mode = mode;
    for (int row = 0; row < messages_.rowCount(); ++row) {
        const auto& m = messages_.at(row);
        request.turns.push_back({QString::fromStdString(m.role), QString::fromStdString(m.content),
                                 QString::fromStdString(m.reasoning)});
    }
    request.temperature = settings_.temperature();
    request.topP = settings_.topP();
    request.maxNewTokens = settings_.maxReplyTokens();
    request.contextLimit = model_.contextLimit();
    request.seed = seed_++;
    replyConversationId_ = currentId_;
    replyParentId_ = messages_.rowCount() > 0 ? messages_.at(messages_.rowCount() - 1).id : 0;
    replyModel_ = backends_.modelName();
    messages_.beginStreaming(mode, replyModel_);
    setGenerating(true);
    appLog()->info("reply in conversation {} ({} turns, mode {}, temperature {}, top-p {})", currentId_,
                   request.turns.size(), mode.toStdString(), request.temperature, request.topP);
    if (!contextBuilder_) return backends_.start(request);
    // Attached documents go in front of the conversation (laid out off the UI thread), then the reply starts.
    contextBuilder_->prepare(currentId_, request, [this](const GenerationRequest& withDocuments, const QString& error) {
        if (error.isEmpty()) backends_.start(withDocuments); else onFailed(error);
    });
}

void ChatController::onTextDelta(const QString& reasoning, const QString& answer, qint64 tokens) {
    Q_UNUSED(tokens);
    if (currentId_ == replyConversationId_) messages_.appendStreaming(reasoning, answer);
}

void ChatController::onFinished(const GenerationResult& result) {
    storage::Message reply;
    reply.conversation_id = replyConversationId_;
    reply.parent_id = replyParentId_;
    reply.role = "assistant";
    reply.content = result.answer.toStdString();
    reply.reasoning = result.reasoning.toStdString();
    reply.mode = result.mode.toStdString();
    reply.model = replyModel_.toStdString();
    reply.prompt_tokens = result.promptTokens;
    reply.completion_tokens = result.completionTokens;
    reply.reasoning_tokens = result.reasoningTokens;
    reply.prefill_ms = result.prefillMs;
    reply.decode_ms = result.decodeMs;
    reply.time_to_first_token_ms = result.timeToFirstTokenMs;
    appLog()->info("reply finished ({}): {} tokens in {:.0f} ms", result.finishReason.toStdString(),
                   result.completionTokens, result.decodeMs);
    // A reply stopped before its first token has nothing worth keeping.
    if (result.completionTokens == 0) {
        if (currentId_ == replyConversationId_) showStoredPath();
    } else {
        guarded(QStringLiteral("Store reply"), [&] {
            const storage::Message stored = store_.append_child(reply);
            if (currentId_ == replyConversationId_) {
                if (messages_.streaming())
                    messages_.finishStreaming(stored);
                else
                    messages_.showConversation(currentId_);
            }
            conversations_.reload();
        });
    }
    setGenerating(false);
    emit replyFinished(replyConversationId_);
}

void ChatController::onFailed(const QString& message) {
    if (currentId_ == replyConversationId_) showStoredPath();
    setGenerating(false);
    status_.reportError(QStringLiteral("Generate a reply"), message);
    emit replyFinished(replyConversationId_);
}

void ChatController::showStoredPath() {
    // The streamed row goes; a regenerated reply's predecessor, hidden while it streamed, comes back.
    guarded(QStringLiteral("Show conversation"), [&] { messages_.showConversation(currentId_); });
}

void ChatController::setGenerating(bool on) {
    if (on == generating_) return;
    generating_ = on;
    emit generatingChanged();
    emit replyNoticeChanged();
}

void ChatController::stop() {
    if (generating_) backends_.cancel();
    if (generating_ && contextBuilder_) contextBuilder_->cancel();
}

bool ChatController::regenerate() {
    if (!canRegenerate()) return false;
    const int last = messages_.rowCount() - 1;
    const QString mode = QString::fromStdString(messages_.at(last).mode);
    // Only the view drops the old reply; the new one is stored beside it when it ends.
    messages_.removeLast();
    startReply(mode);
    return true;
}

void ChatController::copyMessage(int row) {
    if (row < 0 || row >= messages_.rowCount()) return;
    QGuiApplication::clipboard()->setText(messages_.contentAt(row));
}

void ChatController::copyCodeBlock(int row, int block) {
    if (row < 0 || row >= messages_.rowCount()) return;
    QGuiApplication::clipboard()->setText(codeBlockText(messages_.contentAt(row), block));
}

QString ChatController::startEdit(int row) {
    if (generating_ || row < 0 || row >= messages_.rowCount() || messages_.roleAt(row) != QLatin1String("user"))
        return {};
    editingRow_ = row;
    emit editingChanged();
    return messages_.contentAt(row);
}

void ChatController::cancelEdit() {
    if (editingRow_ < 0) return;
    editingRow_ = -1;
    emit editingChanged();
}

qint64 ChatController::sendEdit(const QString& text, const QString& mode) {
    const int row = editingRow_;
    const QString trimmed = text.trimmed();
    if (row < 0 || trimmed.isEmpty() || generating_ || !reasoningModes().contains(mode)) return 0;
    qint64 edited = 0;
    const bool stored = guarded(QStringLiteral("Edit message"), [&] {
        storage::Message message;
        message.conversation_id = currentId_;
        message.parent_id = messages_.at(row).parent_id;  // a sibling of the edited message
        message.role = "user";
        message.content = trimmed.toStdString();
        message.mode = mode.toStdString();
        edited = store_.append_child(message).id;
        cancelEdit();
        messages_.showConversation(currentId_);
        conversations_.reload();
        emit currentConversationChanged();
        emit messageStored(currentId_);
    });
    if (!stored) return 0;
    appLog()->info("message {} of conversation {} edited: branch starts at message {}", row, currentId_, edited);
    if (backends_.ready()) startReply(mode);
    return edited;
}

bool ChatController::switchBranch(int row, int step) {
    if (generating_ || row < 0 || row >= messages_.rowCount()) return false;
    const auto siblings = messages_.siblingIds(row);
    const auto at = std::find(siblings.begin(), siblings.end(), messages_.at(row).id);
    if (at == siblings.end()) return false;
    const auto target = (at - siblings.begin()) + step;
    if (target < 0 || target >= static_cast<qint64>(siblings.size())) return false;
    return guarded(QStringLiteral("Switch branch"), [&] {
        cancelEdit();
        store_.switch_branch(siblings[static_cast<size_t>(target)]);
        messages_.showConversation(currentId_);
        emit generatingChanged();  // canRegenerate depends on the shown messages
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
    if (generating_ && id == replyConversationId_) stop();
    return guarded(QStringLiteral("Delete conversation"), [&] {
        const auto conversation = store_.find_conversation(id);
        if (!conversation) throw Error("conversation " + std::to_string(id) + " does not exist");
        deletion_.begin(id, QString::fromStdString(conversation->title));
        conversations_.reload();
        if (id == currentId_) setCurrent(conversations_.rowCount() > 0 ? conversations_.idAt(0) : 0);
    });
}

bool ChatController::undoDelete() {
    if (!deletion_.pending()) return false;
    return guarded(QStringLiteral("Undo delete"), [&] {
        const qint64 id = deletion_.undo();
        conversations_.reload();
        setCurrent(id);
    });
}

bool ChatController::exportConversation(qint64 id, const QUrl& file) {
    const QString path = pathOf(file);
    return guarded(QStringLiteral("Export to '%1'").arg(path), [&] {
        const auto conversation = store_.find_conversation(id);
        if (!conversation) throw Error("conversation " + std::to_string(id) + " does not exist");
        // Markdown is for reading: the path shown. JSON is for importing back: every branch.
        const auto shown = store_.messages(id);
        const bool json = QFileInfo(path).suffix().compare(QLatin1String("json"), Qt::CaseInsensitive) == 0;
        const QByteArray bytes = json ? conversationToJson(*conversation, store_.all_messages(id),
                                                           shown.empty() ? 0 : shown.back().id)
                                      : conversationToMarkdown(*conversation, shown).toUtf8();
        // QSaveFile: a failed write leaves any earlier file of that name untouched.
        QSaveFile out(path);
        if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.commit())
            throw Error("cannot write the file: " + out.errorString().toStdString());
        appLog()->info("exported conversation {} to '{}'", id, path.toStdString());
    });
}

qint64 ChatController::importConversation(const QUrl& file) {
    const QString path = pathOf(file);
    qint64 id = 0;
    guarded(QStringLiteral("Import '%1'").arg(path), [&] {
        QFile in(path);
        if (!in.open(QIODevice::ReadOnly)) throw Error("cannot read the file: " + in.errorString().toStdString());
        ImportedConversation imported = conversationFromJson(in.readAll(), path);
        const qint64 created = store_.create_conversation(imported.title.toStdString()).id;
        try {
            QHash<qint64, qint64> storedId;  // the file's ids to the database's
            for (auto& m : imported.messages) {
                const qint64 fileId = m.id;
                m.id = 0;
                m.conversation_id = created;
                m.parent_id = m.parent_id == 0 ? 0 : storedId.value(m.parent_id);
                storedId.insert(fileId, store_.append_child(m).id);
            }
            if (storedId.contains(imported.activeLeaf)) store_.switch_branch(storedId.value(imported.activeLeaf));
        } catch (...) {
            store_.delete_conversation(created);  // no half-imported conversation left behind
            throw;
        }
        conversations_.reload();
        setCurrent(created);
        id = created;
    });
    return id;
}

}  // namespace fathom::app
