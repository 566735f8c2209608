// ChatController: the chat actions the UI calls (new, select, send, stop, regenerate, copy, rename, delete,
// export, import). With a model loaded a sent message gets a streamed reply from the engine worker, stored
// with its statistics when it ends; without one the message is stored and replyNotice says why no reply.
#pragma once

#include "app/chat_backends.hpp"
#include "app/conversation_list_model.hpp"
#include "app/deletion_undo.hpp"
#include "app/engine_worker.hpp"
#include "app/message_list_model.hpp"
#include "app/model_controller.hpp"
#include "app/settings_controller.hpp"
#include "app/status_controller.hpp"

#include <QObject>
#include <QUrl>

namespace fathom::app {

class ChatContextBuilder;

class ChatController : public QObject {
    Q_OBJECT
    Q_PROPERTY(qint64 currentConversationId READ currentConversationId NOTIFY currentConversationChanged)
    Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentConversationChanged)
    Q_PROPERTY(QString replyNotice READ replyNotice NOTIFY replyNoticeChanged)
    Q_PROPERTY(QStringList reasoningModes READ reasoningModes CONSTANT)
    Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
    Q_PROPERTY(bool canRegenerate READ canRegenerate NOTIFY generatingChanged)
    Q_PROPERTY(int editingRow READ editingRow NOTIFY editingChanged)  // -1 when no message is being edited
    // The conversation deleted last, while it can still be brought back (the sidebar's undo bar).
    Q_PROPERTY(fathom::app::DeletionUndo* deletion READ deletionPointer CONSTANT)

public:
    static constexpr const char* kDefaultTitle = "New conversation";

    ChatController(storage::ConversationStore& store, ConversationListModel& conversations, MessageListModel& messages,
                   StatusController& status, EngineWorker& engine, ModelController& model,
                   SettingsController& settings, QObject* parent = nullptr);

    qint64 currentConversationId() const { return currentId_; }
    QString currentTitle() const;
    QString replyNotice() const;
    QStringList reasoningModes() const;
    bool generating() const { return generating_; }
    bool canRegenerate() const;
    int editingRow() const { return editingRow_; }
    DeletionUndo& deletion() { return deletion_; }
    DeletionUndo* deletionPointer() { return &deletion_; }

    // Removes conversations a quit or crash left marked deleted, reads the stored conversations and shows the
    // most recent one (start-up, "restart" in tests).
    void restore();

    Q_INVOKABLE qint64 newConversation();
    Q_INVOKABLE void selectConversation(qint64 id);
    // Stores `text` as a user message in the current conversation (creating one if none is selected) and,
    // when a model is loaded, starts its reply. Returns false, with the reason in the banner, when nothing
    // was stored.
    Q_INVOKABLE bool sendMessage(const QString& text, const QString& mode);
    // Stops the reply being generated; what was generated so far is kept and stored.
    Q_INVOKABLE void stop();
    // A new reply to the same prompt (next seed), stored beside the last one: the old stays as a branch.
    Q_INVOKABLE bool regenerate();
    Q_INVOKABLE void copyMessage(int row);
    // Copies the `block`-th fenced code block (0-based) of the row's reply, exactly as written.
    Q_INVOKABLE void copyCodeBlock(int row, int block);
    // Editing a user message: the composer takes its text; sending stores the edit as a sibling of that
    // message (a new branch in the same conversation, the old one kept) and continues from there.
    Q_INVOKABLE QString startEdit(int row);
    Q_INVOKABLE void cancelEdit();
    // Returns the edited message's id (0 when nothing was stored, with the reason in the banner).
    Q_INVOKABLE qint64 sendEdit(const QString& text, const QString& mode);
    // Shows the previous (step -1) or next (+1) sibling of the row's message, and the path below it.
    Q_INVOKABLE bool switchBranch(int row, int step);
    Q_INVOKABLE bool renameConversation(qint64 id, const QString& title);
    // Hides the conversation at once and opens the undo window (deletion); it is removed for good when the window
    // ends. Returns false, with the reason in the banner, when there is no such conversation.
    Q_INVOKABLE bool deleteConversation(qint64 id);
    // Brings back the conversation deleted last, whole, and shows it. False when the window has ended.
    Q_INVOKABLE bool undoDelete();
    // Writes the conversation to `file`: Markdown for .md, JSON for .json. Returns false on failure.
    Q_INVOKABLE bool exportConversation(qint64 id, const QUrl& file);
    // Reads a JSON export into a new conversation and shows it; returns its id (0 on failure).
    Q_INVOKABLE qint64 importConversation(const QUrl& file);

    // The conversation's attached documents go into each prompt through `builder` (null: none).
    void setContextBuilder(ChatContextBuilder* builder) { contextBuilder_ = builder; }

signals:
    void currentConversationChanged();
    void replyNoticeChanged();
    void generatingChanged();
    void editingChanged();
    void messageStored(qint64 conversationId);
    void replyFinished(qint64 conversationId);

private:
    void setCurrent(qint64 id);
    void startReply(const QString& mode);
    void onTextDelta(const QString& reasoning, const QString& answer, qint64 tokens);
    void onFinished(const GenerationResult& result);
    void onFailed(const QString& message);
    void showStoredPath();
    void setGenerating(bool on);
    // Runs a storage action; a StorageError goes to the error banner with `context` and false is returned.
    template <typename Action>
    bool guarded(const QString& context, Action&& action);

    storage::ConversationStore& store_;
    ConversationListModel& conversations_;
    MessageListModel& messages_;
    StatusController& status_;
    EngineWorker& engine_;
    ModelController& model_;
    SettingsController& settings_;
    ChatBackends backends_;  // the local engine or a remote server, as Settings choose
    QString replyModel_;     // the model the streamed reply comes from
    qint64 currentId_ = 0;
    qint64 replyConversationId_ = 0;  // the conversation the streamed reply belongs to
    qint64 replyParentId_ = 0;        // the message it answers (a regenerated reply is a sibling of the old)
    bool generating_ = false;
    int editingRow_ = -1;
    uint64_t seed_ = 0;  // advanced per reply so Regenerate gives a different one
    ChatContextBuilder* contextBuilder_ = nullptr;
    DeletionUndo deletion_;
};

}  // namespace fathom::app
