#include "app/chat_context_builder.hpp"

#include "app/app_log.hpp"
#include "app/ingestion/prompt_builder.hpp"
#include "app/ingestion/thread_priority.hpp"
#include "fathom/error.hpp"
#include "fathom/tokenizer.hpp"
#include "storage/attachment_store.hpp"
#include "storage/database.hpp"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>

#include <algorithm>
#include <map>

namespace fathom::app {

namespace {
// The share of the context kept for the conversation itself, at most this many tokens.
constexpr qint64 kConversationReserveCap = 16384;

// The omitted-part summary names documents by id ("doc 3: page 301 to page 500"); the user knows them by title.
QString leftOutLine(const std::string& summary, const std::map<int64_t, std::string>& titles) {
    const QString text = QString::fromStdString(summary);
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    if (!text.startsWith(QLatin1String("doc ")) || colon < 0) return text;
    const int64_t id = text.mid(4, colon - 4).toLongLong();
    const auto title = titles.find(id);
    return title == titles.end() ? text : QString::fromStdString(title->second) + text.mid(colon);
}
}  // namespace

ChatContextBuilder::ChatContextBuilder(QString databasePath, std::function<QString()> tokenizerPath,
                                       std::function<qint64()> contextLength, QObject* parent)
    : QObject(parent), databasePath_(std::move(databasePath)), tokenizerPath_(std::move(tokenizerPath)),
      contextLength_(std::move(contextLength)) {
    pool_.setMaxThreadCount(1);
}

ChatContextBuilder::~ChatContextBuilder() {
    cancelled_ = true;
    pool_.waitForDone();  // its queued result dies with this object
}

qint64 ChatContextBuilder::documentBudget(qint64 contextTokens, qint64 replyTokens, qint64 conversationTokens) {
    const qint64 reserve = std::min(contextTokens / 4, kConversationReserveCap);
    return std::max<qint64>(0, contextTokens - replyTokens - std::max(conversationTokens, reserve));
}

DocumentContext ChatContextBuilder::lastContext() const {
    std::lock_guard lock(mutex_);
    return last_;
}

GenerationRequest ChatContextBuilder::lastRequest() const {
    std::lock_guard lock(mutex_);
    return lastRequest_;
}

std::shared_ptr<const Tokenizer> ChatContextBuilder::tokenizer(const QString& path) {
    std::lock_guard lock(mutex_);
    if (path != cachedTokenizerPath_ || !cachedTokenizer_) {
        cachedTokenizer_ = std::make_shared<const Tokenizer>(Tokenizer::load(path.toStdString()));
        cachedTokenizerPath_ = path;
    }
    return cachedTokenizer_;
}

void ChatContextBuilder::prepare(qint64 conversationId, GenerationRequest request, Ready ready) {
    cancelled_ = false;
    // The check is one indexed query; reading and laying out the documents is what goes to the pool.
    bool attached = false;
    try {
        storage::Database db(databasePath_.toStdString());
        attached = !storage::AttachmentStore(db).list(conversationId).empty();
    } catch (const std::exception& e) {
        ready(request, QStringLiteral("cannot read the conversation's attachments: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    if (!attached) {
        {
            std::lock_guard lock(mutex_);
            lastRequest_ = request;
        }
        ready(request, {});
        return;
    }
    const QString tokenizerPath = tokenizerPath_ ? tokenizerPath_() : QString();
    const qint64 contextTokens = contextLength_ ? contextLength_() : 0;
    pool_.start([this, conversationId, request, ready, tokenizerPath, contextTokens]() mutable {
        ingestion::lowerCurrentThreadPriority();
        QString error;
        DocumentContext context;
        try {
            context = build(conversationId, request, tokenizerPath, contextTokens);
            request.turns.insert(request.turns.begin(), ChatTurn{QStringLiteral("system"), context.blockText, {}});
            request.firstTurnIsDocuments = true;
        } catch (const std::exception& e) {
            error = QStringLiteral("cannot put the attached documents into the prompt: %1").arg(QString::fromUtf8(e.what()));
        }
        if (error.isEmpty() && cancelled_) error = QStringLiteral("stopped while the attached documents were laid out");
        QMetaObject::invokeMethod(this, [this, request, ready, error, context] {
            if (error.isEmpty()) {
                {
                    std::lock_guard lock(mutex_);
                    last_ = context;
                    lastRequest_ = request;
                }
                emit contextPrepared(context.conversationId, context.blockTokens, context.budgetTokens, context.leftOut);
            }
            ready(request, error);
        }, Qt::QueuedConnection);
    });
}

DocumentContext ChatContextBuilder::build(qint64 conversationId, const GenerationRequest& request,
                                          const QString& tokenizerPath, qint64 contextTokens) {
    if (tokenizerPath.isEmpty() || !QFileInfo(tokenizerPath).isFile())
        throw Error("the model's tokenizer.json ('" + tokenizerPath.toStdString() + "') is missing, so the documents "
                    "cannot be measured against the context");
    if (contextTokens <= 0)
        throw Error("no model is loaded and no context length is set in Settings, so the documents cannot be measured "
                    "against a context");
    const auto tok = tokenizer(tokenizerPath);

    storage::Database db(databasePath_.toStdString());
    const std::vector<storage::Attachment> attachments = storage::AttachmentStore(db).list(conversationId);

    // The conversation is measured as plain text: close enough for a reserve, and far cheaper than rendering it.
    qint64 conversationTokens = 0;
    for (const ChatTurn& turn : request.turns)
        conversationTokens += qint64(tok->encode(turn.content.toStdString()).size()) + 8;
    ingestion::PromptBudget budget;
    budget.maxTokens = documentBudget(contextTokens, request.maxNewTokens, conversationTokens);

    // Stored documents never change (reading a file again makes a new one), so the same documents in the same
    // order, budget and tokenizer give the same block: the next question reuses it instead of reading and counting
    // every page again.
    std::string key = tokenizerPath.toStdString() + "|" + std::to_string(budget.maxTokens);
    std::map<int64_t, std::string> titles;
    for (const storage::Attachment& a : attachments) {
        key += '|';
        key += std::to_string(a.document_id);
        titles[a.document_id] = a.document.title;
    }
    ingestion::PromptBlock block;
    bool reused = false;
    {
        std::lock_guard lock(mutex_);
        if (key == cachedBlockKey_) {
            block = cachedBlock_;
            reused = true;
        }
    }
    if (!reused) {
        storage::DocumentStore documents(db);
        std::vector<ingestion::PromptDocument> promptDocuments;
        for (const storage::Attachment& a : attachments) {
            ingestion::PromptDocument d;
            d.document = a.document;
            d.parts = documents.pages(a.document_id);
            const QJsonObject meta = QJsonDocument::fromJson(QByteArray::fromStdString(a.document.metadata)).object();
            d.treeSummary = meta.value(QStringLiteral("tree")).toString().toStdString();
            promptDocuments.push_back(std::move(d));
        }
        block = ingestion::buildDocumentBlock(promptDocuments, budget, *tok);
        std::lock_guard lock(mutex_);
        cachedBlockKey_ = key;
        cachedBlock_ = block;
    }

    DocumentContext context;
    context.conversationId = conversationId;
    context.blockText = QString::fromStdString(block.text);
    context.blockTokens = block.tokenCount;
    context.budgetTokens = budget.maxTokens;
    context.contextTokens = contextTokens;
    for (const std::string& line : block.omittedSummary) context.leftOut << leftOutLine(line, titles);
    appLog()->info("documents for conversation {}: {} in the prompt ({} parts, {} tokens of a {}-token budget{}){}",
                   conversationId, attachments.size(), block.includedParts, block.tokenCount, budget.maxTokens,
                   reused ? ", as laid out for the previous question" : "",
                   context.leftOut.isEmpty() ? std::string() : ", left out: " + context.leftOut.join("; ").toStdString());
    return context;
}

}  // namespace fathom::app
