#include "app/engine_worker.hpp"

#include "app/app_log.hpp"
#include "app/control_text.hpp"
#include "fathom/engine.hpp"
#include "storage/prefix_cache_store.hpp"
#include "fathom/tokenizer.hpp"

// chat_format.hpp has a member named emit, which Qt defines as a macro: hide the macro for that header.
#pragma push_macro("emit")
#undef emit
#include "fathom/chat_format.hpp"
#pragma pop_macro("emit")

#include <QDir>
#include <QMetaObject>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <new>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace fathom::app {

namespace {

constexpr qint64 kMinFlushIntervalMs = 40;
// New prompt stretches longer than this are snapshotted into the prefix cache (a document block, a long paste).
constexpr int64_t kMinCachedPrefixTokens = 256;
[[maybe_unused]] constexpr int kEngineThreadNice = 5;

std::shared_ptr<spdlog::logger> engineLog() {
    auto logger = spdlog::get("engine");
    return logger ? logger : appLog();
}

// User and system text are the user's words: control-token text in them is broken up (control_text.hpp).
chat::Conversation toConversation(const GenerationRequest& request, const std::vector<std::string>& controlTexts) {
    chat::Conversation conversation;
    const auto mode = chat::parse_mode(request.mode.toStdString());
    if (!mode) throw Error("unknown reasoning mode '" + request.mode.toStdString() + "'");
    conversation.mode = *mode;
    for (const ChatTurn& turn : request.turns) {
        chat::Message message;
        message.role = turn.role.toStdString();
        message.content = turn.content.toStdString();
        if (turn.role == QLatin1String("user") || turn.role == QLatin1String("system")) {
            bool changed = false;
            message.content = neutralizeControlText(message.content, controlTexts, &changed);
            if (changed) engineLog()->info("a {} turn contained control-token text; it goes to the model as plain text",
                                           message.role);
        }
        if (turn.role == QLatin1String("assistant")) message.reasoning_content = turn.reasoning.toStdString();
        conversation.messages.push_back(std::move(message));
    }
    return conversation;
}

// Where the first turn (a document block) ends in `prompt`: its tokens rendered alone, when the prompt starts with
// exactly those; 0 otherwise (then nothing is stored at the boundary).
size_t documentBlockEnd(const chat::Conversation& conversation, const std::vector<TokenId>& prompt,
                        const Tokenizer& tokenizer) {
    if (conversation.messages.empty()) return 0;
    chat::Conversation first;
    first.mode = conversation.mode;
    first.messages.push_back(conversation.messages.front());
    const std::vector<TokenId> block = chat::encode_prompt(first, tokenizer);
    if (block.size() >= prompt.size() || !std::equal(block.begin(), block.end(), prompt.begin())) return 0;
    return block.size();
}

}  // namespace

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) {
    qRegisterMetaType<fathom::app::LoadedModel>();
    qRegisterMetaType<fathom::app::GenerationResult>();
    thread_.setObjectName(QStringLiteral("fathom-engine"));
    threadContext_ = new QObject;
    threadContext_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, threadContext_, &QObject::deleteLater);
    thread_.start();
#ifdef __linux__
    // A little nicer than the UI thread: when cores are scarce the window keeps reacting while tokens flow.
    QMetaObject::invokeMethod(threadContext_, [] {
        if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), kEngineThreadNice) != 0)
            engineLog()->warn("could not lower the engine thread's priority (nice {})", kEngineThreadNice);
    });
#endif
}

EngineWorker::~EngineWorker() {
    cancelLoad();
    cancelGeneration_ = true;
    // The engine objects belong to the worker thread: free them there, after whatever is running.
    QMetaObject::invokeMethod(threadContext_, [this] {
        session_.reset();
        engine_.reset();
        tokenizer_.reset();
    }, Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
    storePool_.waitForDone();  // a snapshot being written finishes (its file stays consistent either way)
}

int EngineWorker::load(const QString& folder, const LoadPlacement& placement) {
    // Each load has its own flag, so a newer choice can cancel an older load without un-cancelling itself.
    cancelLoad();
    cancelLoad_ = std::make_shared<std::atomic<bool>>(false);
    loading_ = true;
    const int loadId = ++lastLoadId_;
    QMetaObject::invokeMethod(threadContext_, [this, loadId, folder, placement, cancel = cancelLoad_] {
        runLoad(loadId, folder, placement, cancel);
    });
    return loadId;
}

void EngineWorker::cancelLoad() {
    if (cancelLoad_) *cancelLoad_ = true;
}

void EngineWorker::runLoad(int loadId, const QString& folder, const LoadPlacement& placement,
                           const std::shared_ptr<std::atomic<bool>>& cancel) {
    const std::filesystem::path dir = folder.toStdString();
    engineLog()->info("loading model from '{}'", dir.string());
    // The old model goes first: two models at once could need twice the memory.
    session_.reset();
    sessionTokens_.clear();
    engine_.reset();
    tokenizer_.reset();
    QString failure;
    bool cancelled = false;
    try {
        const auto tokenizerPath = dir / "tokenizer.json";
        if (!std::filesystem::is_directory(dir)) throw Error("'" + dir.string() + "' is not a folder");
        if (!std::filesystem::exists(tokenizerPath))
            throw Error("'" + dir.string() + "' has no tokenizer.json (a V4 checkpoint folder ships one)");
        LoadOptions options;
        options.model_dir = dir;
        options.cancel = cancel.get();
        options.device = placement.device.toStdString();
        options.gpu_memory_budget = static_cast<uint64_t>(std::max<qint64>(0, placement.gpuBudgetBytes));
        options.host_memory_budget = static_cast<uint64_t>(std::max<qint64>(0, placement.hostBudgetBytes));
        auto lastReport = std::chrono::steady_clock::now() - std::chrono::seconds(1);
        options.on_progress = [&](const LoadProgress& p) {
            // At most ~20 updates a second: the UI needs no more, and a flood of events would slow it.
            const auto now = std::chrono::steady_clock::now();
            if (now - lastReport < std::chrono::milliseconds(50) && p.bytes_done != p.bytes_total) return;
            lastReport = now;
            emit loadProgress(static_cast<qint64>(p.bytes_done), static_cast<qint64>(p.bytes_total),
                              QString::fromStdString(p.stage));
        };
        auto tokenizer = std::make_unique<Tokenizer>(Tokenizer::load(tokenizerPath));
        auto controlTexts = readControlTexts(tokenizerPath);
        auto engine = Engine::load(options);
        const ModelSummary& summary = engine->summary();
        if (static_cast<int64_t>(tokenizer->vocab_size()) > summary.vocab_size)
            throw Error("tokenizer.json has " + std::to_string(tokenizer->vocab_size()) +
                        " ids but the model's vocabulary is " + std::to_string(summary.vocab_size) +
                        ": they do not belong together");
        tokenizer_ = std::move(tokenizer);
        controlTexts_ = std::move(controlTexts);
        engine_ = std::move(engine);
        session_ = engine_->new_session();
    } catch (const Cancelled&) {
        cancelled = true;
        failure = QStringLiteral("loading was cancelled");
    } catch (const std::bad_alloc&) {
        failure = QStringLiteral("out of memory while loading the model (it needs more RAM than is free)");
    } catch (const std::exception& e) {
        failure = QString::fromUtf8(e.what());
    }
    loading_ = false;
    if (!engine_) {
        engineLog()->warn("loading '{}' failed: {}", dir.string(), failure.toStdString());
        emit loadFailed(loadId, failure, cancelled);
        return;
    }
    const ModelSummary& s = engine_->summary();
    LoadedModel model;
    model.folder = folder;
    model.loadId = loadId;
    model.name = QDir(folder).dirName();
    model.weightBytes = static_cast<qint64>(s.weight_bytes);
    model.maxContext = s.max_context;
    model.defaultTemperature = s.default_temperature;
    model.defaultTopP = s.default_top_p;
    model.device = QString::fromStdString(s.device);
    model.deviceNote = QString::fromStdString(s.device_note);
    model.gpuDenseBytes = static_cast<qint64>(s.gpu_dense_bytes);
    engineLog()->info("model '{}' loaded: {} blocks, {} bytes of weights, on {} ({})", dir.string(), s.blocks, s.weight_bytes,
                      s.device, s.device_note);
    emit modelLoaded(model);
}

void EngineWorker::setPrefixCache(const QString& databasePath, qint64 byteBudget) {
    QMetaObject::invokeMethod(threadContext_, [this, path = databasePath.toStdString(), byteBudget] {
        prefixCacheDb_ = path;
        prefixCacheBudget_ = byteBudget;
    });
}

void EngineWorker::generate(const GenerationRequest& request) {
    cancelGeneration_ = false;
    generating_ = true;
    QMetaObject::invokeMethod(threadContext_, [this, request] { runGenerate(request); });
}

double EngineWorker::readAndStore(std::span<const TokenId>& fresh, size_t count) {
    const auto head = fresh.first(count);
    const auto t0 = std::chrono::steady_clock::now();
    session_->prefill(head, fathom::Session::kBackendChunk, {}, &cancelGeneration_);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sessionTokens_.insert(sessionTokens_.end(), head.begin(), head.end());
    fresh = fresh.subspan(count);
    auto snapshot = std::make_shared<std::vector<uint8_t>>(session_->snapshot());
    auto tokens = std::make_shared<std::vector<int64_t>>(session_->tokens());
    storePool_.start([this, db = prefixCacheDb_, budget = prefixCacheBudget_, fp = engine_->fingerprint(), snapshot, tokens] {
        try {
            storage::Database database(db);
            storage::PrefixCacheStore store(database, budget);
            if (store.put(fp, *tokens, *snapshot)) {
                engineLog()->info("prefix cache: stored {} tokens ({} bytes)", tokens->size(), snapshot->size());
                QMetaObject::invokeMethod(this, [this, n = static_cast<qint64>(tokens->size())] { emit prefixStored(n); },
                                          Qt::QueuedConnection);
            }
        } catch (const std::exception& e) {
            engineLog()->warn("prefix cache: storing a snapshot failed: {}", e.what());
        }
    });
    return seconds;
}

void EngineWorker::runGenerate(const GenerationRequest& request) {
    GenerationResult result;
    result.mode = request.mode;
    QString failure;
    try {
        if (!engine_ || !tokenizer_ || !session_) throw Error("no model is loaded");
        const chat::Conversation conversation = toConversation(request, controlTexts_);
        const std::vector<TokenId> prompt = chat::encode_prompt(conversation, *tokenizer_);
        // The reply stops where the context set in Settings is full (the last sampled token is not fed back, so
        // prompt + reply - 1 positions are used); a prompt that fills it is refused before anything is read.
        int64_t replyRoom = request.maxNewTokens;
        if (request.contextLimit > 0) {
            replyRoom = request.contextLimit - static_cast<int64_t>(prompt.size());
            if (replyRoom <= 0)
                throw Error("the prompt is " + std::to_string(prompt.size()) + " tokens, which fills the context length of " +
                            std::to_string(request.contextLimit) + " tokens (Settings); start a new conversation, "
                            "attach less or raise the context length");
        }
        // Reuse the session when the new prompt extends what it holds; otherwise start a fresh one.
        std::span<const TokenId> fresh(prompt);
        if (prompt.size() > sessionTokens_.size() &&
            std::equal(sessionTokens_.begin(), sessionTokens_.end(), prompt.begin())) {
            fresh = fresh.subspan(sessionTokens_.size());
        } else {
            session_ = engine_->new_session();
            sessionTokens_.clear();
        }
        // A fresh session starts from the longest stored prefix of this prompt (at least one token is left to read:
        // generation needs the logits of the last one). A snapshot that cannot be used is logged and ignored.
        if (fresh.size() == prompt.size() && !prefixCacheDb_.empty() && prompt.size() > 1) {
            try {
                storage::Database db(prefixCacheDb_);
                storage::PrefixCacheStore store(db, prefixCacheBudget_);
                const std::vector<int64_t> ids(prompt.begin(), prompt.end() - 1);
                if (auto hit = store.longest_prefix(engine_->fingerprint(), ids)) {
                    session_->restore(hit->snapshot);
                    sessionTokens_.assign(prompt.begin(), prompt.begin() + hit->token_count);
                    fresh = std::span<const TokenId>(prompt).subspan(static_cast<size_t>(hit->token_count));
                    engineLog()->info("prefix cache: restored {} of {} prompt tokens", hit->token_count, prompt.size());
                    emit prefixRestored(hit->token_count);
                }
            } catch (const std::exception& e) {
                engineLog()->warn("prefix cache: lookup failed, reading the whole prompt: {}", e.what());
                session_ = engine_->new_session();
                sessionTokens_.clear();
                fresh = std::span<const TokenId>(prompt);
            }
        }
        // A long new stretch (a document block) is read up to its last token and its snapshot stored in the
        // background, so the next question about the same document starts from it. A document block in front is
        // read and stored on its own first: the next conversation with the same documents shares only that.
        double storedPrefillSeconds = 0;
        const size_t documentsEnd = request.firstTurnIsDocuments ? documentBlockEnd(conversation, prompt, *tokenizer_) : 0;
        if (!prefixCacheDb_.empty() && documentsEnd > sessionTokens_.size() &&
            static_cast<int64_t>(documentsEnd - sessionTokens_.size()) > kMinCachedPrefixTokens)
            storedPrefillSeconds += readAndStore(fresh, documentsEnd - sessionTokens_.size());
        if (!prefixCacheDb_.empty() && static_cast<int64_t>(fresh.size()) > kMinCachedPrefixTokens)
            storedPrefillSeconds += readAndStore(fresh, fresh.size() - 1);
        emit promptEncoded(static_cast<qint64>(sessionTokens_.size() + fresh.size()));
        SamplingParams params;
        params.temperature = static_cast<float>(request.temperature);
        params.top_p = static_cast<float>(request.topP);
        params.seed = request.seed;
        params.max_new_tokens = std::min(request.maxNewTokens, replyRoom);
        params.vocab_limit = static_cast<int64_t>(tokenizer_->vocab_size());  // never the padding ids past it

        chat::OutputSplitter splitter(conversation.mode);
        std::vector<TokenId> generated;
        int64_t reasoningTokens = 0, textlessTokens = 0;
        const auto tokenizerIds = static_cast<int32_t>(tokenizer_->vocab_size());
        GenerationStats stats;
        try {
            stats = session_->generate(fresh, params, [&](int32_t token) {
                if (splitter.in_reasoning()) ++reasoningTokens;
                generated.push_back(token);
                // The model's vocabulary is padded past tokenizer.json's ids; those rows have no text. A trained
                // model does not sample them, an untrained one does: they are counted and logged, not shown.
                if (token < 0 || token >= tokenizerIds) {
                    ++textlessTokens;
                    pushText({}, {}, static_cast<qint64>(generated.size()));
                } else {
                    const chat::OutputDelta delta =
                        splitter.feed_tokens(std::span<const TokenId>(&token, 1), *tokenizer_);
                    pushText(delta.reasoning, delta.answer, static_cast<qint64>(generated.size()));
                }
                return !cancelGeneration_.load();
            }, &cancelGeneration_);
        } catch (...) {
            // A failed or cancelled prefill leaves part of the prompt in the session: start clean next time.
            session_ = engine_->new_session();
            sessionTokens_.clear();
            throw;
        }
        if (textlessTokens > 0)
            engineLog()->warn("{} of {} generated ids lie past tokenizer.json's {} ids (vocabulary padding) and have no text",
                              textlessTokens, generated.size(), tokenizerIds);
        const chat::OutputDelta tail = splitter.finish();
        pushText(tail.reasoning, tail.answer, static_cast<qint64>(generated.size()));
        sessionTokens_.insert(sessionTokens_.end(), fresh.begin(), fresh.end());
        // The last sampled token was not fed back into the session.
        if (!generated.empty()) sessionTokens_.insert(sessionTokens_.end(), generated.begin(), generated.end() - 1);

        result.reasoning = QString::fromStdString(splitter.reasoning());
        result.answer = QString::fromStdString(splitter.answer());
        result.promptTokens = static_cast<int64_t>(prompt.size());
        result.completionTokens = stats.completion_tokens;
        result.reasoningTokens = reasoningTokens;
        result.prefillMs = (stats.prefill_seconds + storedPrefillSeconds) * 1000.0;
        result.decodeMs = stats.decode_seconds * 1000.0;
        result.timeToFirstTokenMs = (stats.time_to_first_token_seconds + storedPrefillSeconds) * 1000.0;
        result.finishReason = QString::fromStdString(stats.finish_reason);
        result.contextUsed = session_->position();
    } catch (const Cancelled&) {
        result.finishReason = QStringLiteral("cancelled");
        result.contextUsed = session_ ? session_->position() : 0;
    } catch (const std::bad_alloc&) {
        failure = QStringLiteral("out of memory while generating");
    } catch (const std::exception& e) {
        failure = QString::fromUtf8(e.what());
    }
    // Every streamed piece reaches the UI before the end does (both are queued to the same thread, in order).
    QMetaObject::invokeMethod(this, [this, result, failure] {
        flushText();
        generating_ = false;
        if (failure.isEmpty())
            emit generationFinished(result);
        else
            emit generationFailed(failure);
    }, Qt::QueuedConnection);
    if (!failure.isEmpty()) engineLog()->warn("generation failed: {}", failure.toStdString());
}

void EngineWorker::pushText(const std::string& reasoning, const std::string& answer, qint64 tokens) {
    std::lock_guard lock(pendingMutex_);
    pending_.reasoning += reasoning;
    pending_.answer += answer;
    pending_.tokens = tokens;
    if (pending_.flushQueued) return;
    pending_.flushQueued = true;
    // At most one update per kMinFlushInterval: each one re-lays out the growing Markdown reply on the UI
    // thread, and a flood of them (one per token) is what would make the window stutter.
    QMetaObject::invokeMethod(this, [this] {
        const qint64 sinceLast = lastFlush_.isValid() ? lastFlush_.elapsed() : kMinFlushIntervalMs;
        QTimer::singleShot(std::max<qint64>(0, kMinFlushIntervalMs - sinceLast), this, [this] { flushText(); });
    }, Qt::QueuedConnection);
}

void EngineWorker::flushText() {
    PendingText taken;
    {
        std::lock_guard lock(pendingMutex_);
        taken = std::move(pending_);
        pending_ = PendingText{};
    }
    lastFlush_.start();
    if (taken.reasoning.empty() && taken.answer.empty() && taken.tokens == 0) return;
    emit textDelta(QString::fromStdString(taken.reasoning), QString::fromStdString(taken.answer), taken.tokens);
}

}  // namespace fathom::app
