// ChatContextBuilder: puts a conversation's attached documents into its prompt, as the first (system) turn, off
// the UI thread. Same attachments and budget -> same block text -> same token prefix, which the prefix cache reuses.
#pragma once

#include "app/generation_request.hpp"
#include "app/ingestion/prompt_builder.hpp"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace fathom {
class Tokenizer;
}

namespace fathom::app {

// What went into the prompt, for the attachment bar, the log and the tests.
struct DocumentContext {
    qint64 conversationId = 0;
    QString blockText;          // the system turn: citation instructions, then the documents
    qint64 blockTokens = 0;     // exact, with the model's tokenizer
    qint64 budgetTokens = 0;    // what the block was allowed
    qint64 contextTokens = 0;   // the context: Settings' context length, bounded by the model's maximum
    QStringList leftOut;        // "report.pdf: page 301 to page 500", empty when everything fits
};

class ChatContextBuilder : public QObject {
    Q_OBJECT
public:
    // `tokenizerPath` and `contextLength` are asked on each prepare (the loaded model or the setting may change); 0
    // context means neither a loaded model nor the setting gives one.
    ChatContextBuilder(QString databasePath, std::function<QString()> tokenizerPath,
                       std::function<qint64()> contextLength, QObject* parent = nullptr);
    ~ChatContextBuilder() override;

    using Ready = std::function<void(const GenerationRequest& request, const QString& error)>;
    // Calls `ready` on the UI thread with `request` plus its documents in front, or with an error (documents that
    // cannot be read, no tokenizer). A conversation without attachments gets `ready` at once, unchanged.
    void prepare(qint64 conversationId, GenerationRequest request, Ready ready);
    // A prepare still running ends with an error instead of a request (the user pressed Stop).
    void cancel() { cancelled_ = true; }

    // The last block handed to the chat, and the last request (with or without documents) handed back.
    DocumentContext lastContext() const;
    GenerationRequest lastRequest() const;

    // Reply room and a fixed share for the conversation come off the context; the rest is for documents. The
    // conversation share is fixed (not the conversation's current length) so the block, and so the prefix,
    // stays the same from one question to the next while the conversation is shorter than it.
    static qint64 documentBudget(qint64 contextTokens, qint64 replyTokens, qint64 conversationTokens);

signals:
    // Emitted for every prepared prompt with documents; leftOut is empty when they all fit.
    void contextPrepared(qint64 conversationId, qint64 blockTokens, qint64 budgetTokens, const QStringList& leftOut);

private:
    DocumentContext build(qint64 conversationId, const GenerationRequest& request, const QString& tokenizerPath,
                          qint64 contextTokens);
    std::shared_ptr<const Tokenizer> tokenizer(const QString& path);

    QString databasePath_;
    std::function<QString()> tokenizerPath_;
    std::function<qint64()> contextLength_;
    QThreadPool pool_;  // one thread: prepares run in order
    std::atomic<bool> cancelled_{false};
    mutable std::mutex mutex_;  // guards the members below (worker thread writes, UI thread reads)
    DocumentContext last_;
    GenerationRequest lastRequest_;
    std::string cachedBlockKey_;  // tokenizer, budget and document ids of cachedBlock_
    ingestion::PromptBlock cachedBlock_;
    QString cachedTokenizerPath_;
    std::shared_ptr<const Tokenizer> cachedTokenizer_;
};

}  // namespace fathom::app
