// EngineWorker: the one thread that owns fathom::Engine, its tokenizer and the chat session. Loading and
// generation run there; progress, streamed text and results come back as Qt signals on the UI thread.
#pragma once

#include "app/generation_request.hpp"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QThread>
#include <QThreadPool>

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace fathom {
class Engine;
class Session;
class Tokenizer;
}  // namespace fathom

namespace fathom::app {

// What the status bar and settings show about the loaded model.
struct LoadedModel {
    QString name;    // the folder's name
    QString folder;
    int loadId = 0;  // EngineWorker::load's return value
    qint64 weightBytes = 0;
    qint64 maxContext = 0;
    double defaultTemperature = 1.0, defaultTopP = 1.0;
    QString device, deviceNote;  // "cpu" or "cuda (GPU name)"; the expert placement or why the GPU is not used
    qint64 gpuDenseBytes = 0;
};

// Where a model loads: the GPU when one is usable (else the CPU, saying why), with the Settings' budgets.
struct LoadPlacement {
    QString device = QStringLiteral("auto");
    qint64 gpuBudgetBytes = 0, hostBudgetBytes = 0;  // 0: no budget
};

class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(QObject* parent = nullptr);
    ~EngineWorker() override;  // cancels whatever runs and joins the thread

    // Replaces any loaded model, cancelling a load still running. Progress, then modelLoaded or loadFailed
    // (cancelled loads say so).
    // Returns the load's id, which modelLoaded and loadFailed carry.
    int load(const QString& folder, const LoadPlacement& placement = {});
    void cancelLoad();
    // Streams a reply: textDelta repeatedly, then generationFinished or generationFailed. One at a time.
    void generate(const GenerationRequest& request);
    void stopGeneration() { cancelGeneration_ = true; }
    // Snapshots of long prompt prefixes go to this SQLite file's prefix cache (in the background) and a new
    // session starts from the longest stored prefix of its prompt. Empty path: no prefix cache.
    void setPrefixCache(const QString& databasePath, qint64 byteBudget);

    bool loading() const { return loading_; }
    bool generating() const { return generating_; }

signals:
    void loadProgress(qint64 bytesDone, qint64 bytesTotal, const QString& stage);
    void modelLoaded(const fathom::app::LoadedModel& model);
    void loadFailed(int loadId, const QString& message, bool cancelled);
    // Text to append (coalesced: one signal may carry many tokens); tokens = how many tokens so far.
    void textDelta(const QString& reasoning, const QString& answer, qint64 tokens);
    // The prompt is encoded: the context will hold this many tokens once it is read (before the reply).
    void promptEncoded(qint64 contextTokens);
    // A new session began from a stored prefix of this many tokens instead of reading them again.
    void prefixRestored(qint64 tokens);
    // A snapshot of this many prompt tokens was stored in the prefix cache (from a background thread's end).
    void prefixStored(qint64 tokens);
    void generationFinished(const fathom::app::GenerationResult& result);
    void generationFailed(const QString& message);

private:
    struct PendingText {
        std::string reasoning, answer;
        qint64 tokens = 0;
        bool flushQueued = false;
    };
    void runLoad(int loadId, const QString& folder, const LoadPlacement& placement, const std::shared_ptr<std::atomic<bool>>& cancel);
    void runGenerate(const GenerationRequest& request);
    // Reads the first `count` tokens of `fresh` into the session, drops them from `fresh` and stores the state in
    // the prefix cache in the background. Returns the seconds the reading took.
    double readAndStore(std::span<const int32_t>& fresh, size_t count);
    // Worker thread: adds text and, when no flush is queued yet, queues one on the UI thread.
    void pushText(const std::string& reasoning, const std::string& answer, qint64 tokens);
    void flushText();

    QThread thread_;
    QObject* threadContext_ = nullptr;  // lives on thread_: queued lambdas run there
    // Owned by the worker thread once created; destroyed there too.
    std::unique_ptr<fathom::Engine> engine_;
    std::unique_ptr<fathom::Tokenizer> tokenizer_;
    std::unique_ptr<fathom::Session> session_;
    std::vector<std::string> controlTexts_;  // tokenizer.json's added tokens, kept out of user text
    std::vector<int32_t> sessionTokens_;  // what the session holds, for reuse when a prompt extends it
    std::string prefixCacheDb_;           // worker thread reads; set before generating
    qint64 prefixCacheBudget_ = 0;
    std::shared_ptr<std::atomic<bool>> cancelLoad_;  // the latest load's flag (UI thread)
    int lastLoadId_ = 0;
    std::atomic<bool> cancelGeneration_{false};
    std::atomic<bool> loading_{false}, generating_{false};
    std::mutex pendingMutex_;
    PendingText pending_;
    QElapsedTimer lastFlush_;  // UI thread only
    QThreadPool storePool_;    // background prefix-cache writes; waited for on destruction
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::LoadedModel)
