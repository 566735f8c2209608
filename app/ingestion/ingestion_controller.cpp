#include "app/ingestion/ingestion_controller.hpp"

#include "app/ingestion/citation_linker.hpp"
#include "app/ingestion/ingest_storage.hpp"
#include "app/ingestion/ingester.hpp"
#include "app/ingestion/ingestion_log.hpp"
#include "app/ingestion/thread_priority.hpp"
#include "fathom/error.hpp"
#include "fathom/tokenizer.hpp"

#include <QFileInfo>
#include <QUrl>

#include <mutex>

namespace fathom::ingestion {

namespace {
QString localPath(const QString& pathOrUrl) {
    const QUrl url(pathOrUrl);
    return url.isLocalFile() ? url.toLocalFile() : pathOrUrl;
}

std::mutex tokenizerMutex;  // the ingest thread loads, the UI thread may ask at the same time
}  // namespace

IngestionController::IngestionController(storage::Database& database, std::function<QString()> tokenizerPath,
                                         QObject* parent)
    : QObject(parent), database_(database), store_(database), tokenizerPath_(std::move(tokenizerPath)) {
    refresh();
}

IngestionController::~IngestionController() {
    if (thread_) {
        cancel_ = true;  // the ingest stops at its next check; its queued finish() dies with this object
        thread_->wait();
        delete thread_;
    }
}

std::shared_ptr<const fathom::Tokenizer> IngestionController::tokenizerFor(const QString& path, QString* problem) {
    std::lock_guard lock(tokenizerMutex);
    if (path.isEmpty() || !QFileInfo(path).isFile()) {
        *problem = QStringLiteral("tokens not counted: no tokenizer.json (choose a model folder in Settings)");
        return nullptr;
    }
    if (path != cachedTokenizerPath_) {
        cachedTokenizer_ = std::make_shared<const fathom::Tokenizer>(fathom::Tokenizer::load(path.toStdString()));
        cachedTokenizerPath_ = path;
    }
    return cachedTokenizer_;
}

void IngestionController::ingest(const QString& pathOrUrl) {
    if (thread_) {
        emit ingestFailed(QStringLiteral("another document is being read; wait for it or cancel it"));
        return;
    }
    const QString path = localPath(pathOrUrl);
    const QString tokenizerPath = tokenizerPath_ ? tokenizerPath_() : QString();
    const std::string databasePath = database_.path().string();
    cancel_ = false;
    progress_ = -1;
    progressText_ = QStringLiteral("Reading %1").arg(QFileInfo(path).fileName());
    emit progressChanged();

    thread_ = QThread::create([this, path, tokenizerPath, databasePath] {
        lowerCurrentThreadPriority();
        qint64 id = 0;
        QString error;
        bool cancelled = false;
        try {
            QString tokenProblem;
            const auto tokenizer = tokenizerFor(tokenizerPath, &tokenProblem);
            IngestOptions options;
            options.tokenizer = tokenizer.get();
            auto progress = [this](int done, int total, const QString& what) {
                QMetaObject::invokeMethod(this, [this, done, total, what] {
                    progress_ = total > 0 ? double(done) / total : -1;
                    progressText_ = total > 0 ? QStringLiteral("%1 of %2: %3").arg(done).arg(total).arg(what) : what;
                    emit progressChanged();
                }, Qt::QueuedConnection);
            };
            IngestResult result = ingestPath(path, options, progress, &cancel_);
            if (!tokenProblem.isEmpty()) result.problems.prepend({QStringLiteral("(tokens)"), tokenProblem});
            // Its own connection: a transaction here must not mix with the UI thread's writes.
            storage::Database db(databasePath);
            storage::DocumentStore store(db);
            id = storeIngest(store, result);
        } catch (const fathom::Cancelled&) {
            cancelled = true;
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
            ingestLog()->error("ingest of '{}' failed: {}", path.toStdString(), e.what());
        }
        QMetaObject::invokeMethod(this, [this, id, error, cancelled] { finish(id, error, cancelled); }, Qt::QueuedConnection);
    });
    thread_->setObjectName(QStringLiteral("fathom-ingest"));
    thread_->start();
    emit busyChanged();
}

void IngestionController::finish(qint64 documentId, const QString& error, bool cancelled) {
    thread_->wait();
    delete thread_;
    thread_ = nullptr;
    progress_ = 0;
    progressText_ = cancelled ? QStringLiteral("Cancelled") : error.isEmpty() ? QStringLiteral("Done") : QStringLiteral("Failed");
    emit progressChanged();
    emit busyChanged();
    if (cancelled) return;
    if (!error.isEmpty()) {
        emit ingestFailed(error);
        return;
    }
    refresh();
    showProblems(documentId);
    const auto document = store_.find_document(documentId);
    emit ingestFinished(documentId, document ? QString::fromStdString(document->title) : QString());
}

void IngestionController::cancel() { cancel_ = true; }

void IngestionController::refresh() {
    documents_.clear();
    for (const storage::Document& d : store_.list_documents()) {
        documents_.append(QVariantMap{{"id", qint64(d.id)},
                                      {"title", QString::fromStdString(d.title)},
                                      {"kind", QString::fromStdString(d.kind)},
                                      {"sourcePath", QString::fromStdString(d.source_path)},
                                      {"parts", qint64(store_.part_count(d.id))},
                                      {"tokens", qint64(d.token_count)},
                                      {"problems", qint64(store_.problems(d.id).size())}});
    }
    emit documentsChanged();
}

void IngestionController::removeDocument(qint64 id) {
    store_.delete_document(id);
    if (problemsTitle_.endsWith(QStringLiteral("#%1").arg(id))) {
        problems_.clear();
        problemsTitle_.clear();
        emit problemsChanged();
    }
    refresh();
}

void IngestionController::showProblems(qint64 id) {
    problems_.clear();
    const auto document = store_.find_document(id);
    for (const storage::DocumentProblem& p : store_.problems(id))
        problems_.append(QVariantMap{{"path", QString::fromStdString(p.path)}, {"reason", QString::fromStdString(p.reason)}});
    problemsTitle_ = document ? QStringLiteral("%1 #%2").arg(QString::fromStdString(document->title)).arg(id) : QString();
    emit problemsChanged();
}

QVariantMap IngestionController::openCitation(const QString& url) {
    const auto target = parseCitationUrl(url.toStdString());
    if (!target) return {{"ok", false}, {"error", QStringLiteral("not a document link: %1").arg(url)}};
    const auto document = store_.find_document(target->documentId);
    if (!document) return {{"ok", false}, {"error", QStringLiteral("document %1 is no longer stored").arg(target->documentId)}};
    const auto part = target->page ? store_.page(target->documentId, *target->page)
                                   : store_.file(target->documentId, *target->file);
    const QString location = target->page ? QStringLiteral("page %1").arg(*target->page)
                                          : QString::fromStdString(*target->file) +
                                                (target->line ? QStringLiteral(":%1").arg(*target->line) : QString());
    if (!part) return {{"ok", false}, {"error", QStringLiteral("%1 has no %2").arg(QString::fromStdString(document->title), location)}};
    return {{"ok", true},
            {"documentId", qint64(target->documentId)},
            {"kind", QString::fromStdString(document->kind)},
            {"page", target->page ? QVariant(qint64(*target->page)) : QVariant(0)},
            {"title", QString::fromStdString(document->title)},
            {"location", location},
            {"text", QString::fromStdString(part->text)},
            {"line", target->line ? QVariant(qint64(*target->line)) : QVariant(0)}};
}

QString IngestionController::linkCitations(const QString& answer) {
    std::vector<CitationSource> sources;
    for (const storage::Document& d : store_.list_documents()) {
        CitationSource source;
        source.documentId = d.id;
        source.pageCount = store_.last_page_number(d.id);
        for (std::string& path : store_.file_paths(d.id)) source.files.insert(std::move(path));
        sources.push_back(std::move(source));
    }
    return QString::fromStdString(fathom::ingestion::linkCitations(answer.toStdString(), sources));
}

}  // namespace fathom::ingestion
