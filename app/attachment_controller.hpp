// AttachmentController: the documents the current conversation carries into its prompt, for the chips above the
// composer (title, tokens, share of the context, remove). A file dropped on the chat is read and then attached.
#pragma once

#include "app/chat_context_builder.hpp"
#include "app/chat_controller.hpp"
#include "app/ingestion/ingestion_controller.hpp"
#include "app/model_controller.hpp"
#include "storage/attachment_store.hpp"

#include <QObject>
#include <QStringList>
#include <QVariantList>

namespace fathom::app {

class AttachmentController : public QObject {
    Q_OBJECT
    // Each: {documentId, title, kind, tokens, share (0..1, -1 unknown), label}; in prompt order.
    Q_PROPERTY(QVariantList attachments READ attachments NOTIFY attachmentsChanged)
    Q_PROPERTY(qint64 contextTokens READ contextTokens NOTIFY attachmentsChanged)  // 0: no model loaded
    Q_PROPERTY(qint64 totalTokens READ totalTokens NOTIFY attachmentsChanged)
    // Said plainly above the composer: what did not fit into the last prompt, or will not fit into the next.
    Q_PROPERTY(QString notice READ notice NOTIFY attachmentsChanged)

public:
    AttachmentController(storage::Database& database, ChatController& chat, ingestion::IngestionController& ingestion,
                         ModelController& model, SettingsController& settings, ChatContextBuilder& context,
                         QObject* parent = nullptr);

    QVariantList attachments() const { return attachments_; }
    qint64 contextTokens() const;
    qint64 totalTokens() const { return totalTokens_; }
    QString notice() const { return notice_; }

    // Reads a PDF, folder or text file (a path or file:// URL) and attaches it to the current conversation,
    // creating one when none is open.
    Q_INVOKABLE void addPath(const QString& pathOrUrl);
    // Attaches an already stored document to the current conversation (creating one when none is open).
    Q_INVOKABLE bool attachDocument(qint64 documentId);
    Q_INVOKABLE bool detachDocument(qint64 documentId);
    Q_INVOKABLE void refresh();

    // "report.pdf · 182k tokens · 17% of context"
    static QString chipLabel(const QString& title, qint64 tokens, qint64 contextTokens);

signals:
    void attachmentsChanged();

private:
    qint64 ensureConversation();
    void onIngestFinished(qint64 documentId);

    storage::AttachmentStore store_;
    ChatController& chat_;
    ingestion::IngestionController& ingestion_;
    ModelController& model_;
    SettingsController& settings_;
    QVariantList attachments_;
    qint64 totalTokens_ = 0;
    QString notice_;
    QStringList leftOut_;              // from the last prompt of the shown conversation
    qint64 leftOutConversation_ = 0;
    qint64 leftOutBudget_ = 0;         // the tokens the documents were allowed in that prompt
    qint64 pendingConversation_ = 0;  // the conversation a running ingest attaches to when it ends
};

}  // namespace fathom::app
