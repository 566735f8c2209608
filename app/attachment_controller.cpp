#include "app/attachment_controller.hpp"

#include "app/app_log.hpp"

#include <QTimer>

namespace fathom::app {

namespace {
QString tokenText(qint64 tokens) {
    if (tokens >= 1000000) return QStringLiteral("%1M").arg(double(tokens) / 1e6, 0, 'f', 1);
    if (tokens >= 10000) return QStringLiteral("%1k").arg((tokens + 500) / 1000);
    if (tokens >= 1000) return QStringLiteral("%1k").arg(double(tokens) / 1000, 0, 'f', 1);
    return QString::number(tokens);
}
}  // namespace

AttachmentController::AttachmentController(storage::Database& database, ChatController& chat,
                                           ingestion::IngestionController& ingestion, ModelController& model,
                                           SettingsController& settings, ChatContextBuilder& context, QObject* parent)
    : QObject(parent), store_(database), chat_(chat), ingestion_(ingestion), model_(model), settings_(settings) {
    connect(&chat_, &ChatController::currentConversationChanged, this, &AttachmentController::refresh);
    connect(&model_, &ModelController::stateChanged, this, &AttachmentController::refresh);
    connect(&model_, &ModelController::contextLimitChanged, this, &AttachmentController::refresh);
    connect(&settings_, &SettingsController::samplingChanged, this, &AttachmentController::refresh);
    // A document removed from the library leaves every conversation it was attached to (foreign-key cascade).
    connect(&ingestion_, &ingestion::IngestionController::documentsChanged, this, &AttachmentController::refresh);
    connect(&ingestion_, &ingestion::IngestionController::ingestFinished, this,
            [this](qint64 documentId, const QString&) { onIngestFinished(documentId); });
    // A failed or cancelled ingest attaches nothing; ingestFinished (when it comes) is emitted right after busy
    // goes false, so the pending conversation is dropped one event later.
    connect(&ingestion_, &ingestion::IngestionController::busyChanged, this, [this] {
        if (!ingestion_.busy()) QTimer::singleShot(0, this, [this] { if (!ingestion_.busy()) pendingConversation_ = 0; });
    });
    connect(&context, &ChatContextBuilder::contextPrepared, this,
            [this](qint64 conversationId, qint64, qint64 budgetTokens, const QStringList& leftOut) {
                leftOutConversation_ = conversationId;
                leftOutBudget_ = budgetTokens;
                leftOut_ = leftOut;
                refresh();
            });
    refresh();
}

qint64 AttachmentController::contextTokens() const { return model_.contextLimit(); }

QString AttachmentController::chipLabel(const QString& title, qint64 tokens, qint64 contextTokens) {
    QString label = title + QStringLiteral(" \u00b7 ");
    if (tokens <= 0) return label + QStringLiteral("tokens not counted");
    label += tokenText(tokens) + QStringLiteral(" tokens");
    if (contextTokens <= 0) return label;
    const double percent = 100.0 * double(tokens) / double(contextTokens);
    const QString share = percent < 1 ? QStringLiteral("<1") : QString::number(qRound(percent));
    return label + QStringLiteral(" \u00b7 %1% of context").arg(share);
}

qint64 AttachmentController::ensureConversation() {
    if (chat_.currentConversationId() == 0) chat_.newConversation();
    return chat_.currentConversationId();
}

void AttachmentController::addPath(const QString& pathOrUrl) {
    if (ingestion_.busy()) {
        ingestion_.ingest(pathOrUrl);  // refused with the reason in the banner
        return;
    }
    const qint64 conversation = ensureConversation();
    if (conversation == 0) return;  // the banner says why
    ingestion_.ingest(pathOrUrl);
    if (ingestion_.busy()) pendingConversation_ = conversation;
}

void AttachmentController::onIngestFinished(qint64 documentId) {
    const qint64 conversation = pendingConversation_;
    pendingConversation_ = 0;
    if (conversation == 0 || documentId == 0) return;
    try {
        store_.attach(conversation, documentId);
    } catch (const std::exception& e) {
        appLog()->warn("attaching document {} to conversation {} failed: {}", documentId, conversation, e.what());
    }
    refresh();
}

bool AttachmentController::attachDocument(qint64 documentId) {
    const qint64 conversation = ensureConversation();
    if (conversation == 0) return false;
    bool added = false;
    try {
        added = store_.attach(conversation, documentId);
    } catch (const std::exception& e) {
        appLog()->warn("attaching document {} to conversation {} failed: {}", documentId, conversation, e.what());
        return false;
    }
    refresh();
    return added;
}

bool AttachmentController::detachDocument(qint64 documentId) {
    const qint64 conversation = chat_.currentConversationId();
    if (conversation == 0) return false;
    bool removed = false;
    try {
        removed = store_.detach(conversation, documentId);
    } catch (const std::exception& e) {
        appLog()->warn("detaching document {} from conversation {} failed: {}", documentId, conversation, e.what());
        return false;
    }
    if (leftOutConversation_ == conversation) leftOut_.clear();  // the next prompt is measured afresh
    refresh();
    return removed;
}

void AttachmentController::refresh() {
    attachments_.clear();
    totalTokens_ = 0;
    const qint64 conversation = chat_.currentConversationId();
    const qint64 context = contextTokens();
    std::vector<storage::Attachment> list;
    try {
        if (conversation != 0) list = store_.list(conversation);
    } catch (const std::exception& e) {
        appLog()->warn("listing the attachments of conversation {} failed: {}", conversation, e.what());
    }
    for (const storage::Attachment& a : list) {
        const QString title = QString::fromStdString(a.document.title);
        const qint64 tokens = a.document.token_count;
        totalTokens_ += tokens;
        attachments_.append(QVariantMap{{"documentId", qint64(a.document_id)},
                                        {"title", title},
                                        {"kind", QString::fromStdString(a.document.kind)},
                                        {"tokens", tokens},
                                        {"share", context > 0 && tokens > 0 ? double(tokens) / double(context) : -1.0},
                                        {"label", chipLabel(title, tokens, context)}});
    }
    notice_.clear();
    if (!list.empty() && leftOutConversation_ == conversation && !leftOut_.isEmpty()) {
        notice_ = QStringLiteral("Not everything attached fits: the documents may fill %1 tokens of the context, so "
                                 "the latest question went to the model without %2.")
                      .arg(leftOutBudget_).arg(leftOut_.join(QStringLiteral("; ")));
    } else if (!list.empty() && context > 0) {
        const qint64 budget = ChatContextBuilder::documentBudget(context, settings_.maxReplyTokens(), 0);
        if (totalTokens_ > budget)
            notice_ = QStringLiteral("The attachments (%1 tokens) are more than the context leaves for documents "
                                     "(%2 tokens): the later pages or files will be left out of the prompt.")
                          .arg(totalTokens_).arg(budget);
    }
    emit attachmentsChanged();
}

}  // namespace fathom::app
