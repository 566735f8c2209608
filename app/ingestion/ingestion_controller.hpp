// IngestionController: the QML side of ingestion. ingest() runs on its own thread (a long PDF or a big
// repository must not wait behind other jobs) with progress and cancel; results go into the database over a
// connection of that thread, then the documents list, problem list and citation links refresh on the UI thread.
#pragma once

#include "storage/database.hpp"
#include "storage/document_store.hpp"

#include <QObject>
#include <QString>
#include <QThread>
#include <QVariantList>
#include <QVariantMap>

#include <atomic>
#include <functional>
#include <memory>

namespace fathom {
class Tokenizer;
}

namespace fathom::ingestion {

class IngestionController : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    Q_PROPERTY(double progress READ progress NOTIFY progressChanged)  // 0..1, or -1 while the total is unknown
    Q_PROPERTY(QString progressText READ progressText NOTIFY progressChanged)
    Q_PROPERTY(QVariantList documents READ documents NOTIFY documentsChanged)
    Q_PROPERTY(QVariantList problems READ problems NOTIFY problemsChanged)
    Q_PROPERTY(QString problemsTitle READ problemsTitle NOTIFY problemsChanged)

public:
    // `tokenizerPath` is asked on each ingest (the model folder may change); an empty or missing file means
    // tokens are not counted, which the problem list then says.
    IngestionController(storage::Database& database, std::function<QString()> tokenizerPath, QObject* parent = nullptr);
    ~IngestionController() override;

    bool busy() const { return thread_ != nullptr; }
    double progress() const { return progress_; }
    QString progressText() const { return progressText_; }
    QVariantList documents() const { return documents_; }
    QVariantList problems() const { return problems_; }
    QString problemsTitle() const { return problemsTitle_; }

    // A local path or a file:// URL (what a drop gives). Refused while another ingest runs.
    Q_INVOKABLE void ingest(const QString& pathOrUrl);
    Q_INVOKABLE void cancel();
    Q_INVOKABLE void removeDocument(qint64 id);
    Q_INVOKABLE void showProblems(qint64 id);
    // {ok, documentId, kind, page, title, location, text, line, error} for a fathom://doc/... link: the page's text or the file.
    Q_INVOKABLE QVariantMap openCitation(const QString& url);
    // The answer with its citations turned into fathom:// links, against every stored document.
    Q_INVOKABLE QString linkCitations(const QString& answer);
    Q_INVOKABLE void refresh();

signals:
    void busyChanged();
    void progressChanged();
    void documentsChanged();
    void problemsChanged();
    void ingestFinished(qint64 documentId, const QString& title);
    void ingestFailed(const QString& message);

private:
    void finish(qint64 documentId, const QString& error, bool cancelled);
    std::shared_ptr<const fathom::Tokenizer> tokenizerFor(const QString& path, QString* problem);

    storage::Database& database_;
    storage::DocumentStore store_;
    std::function<QString()> tokenizerPath_;
    QThread* thread_ = nullptr;
    std::atomic<bool> cancel_{false};
    double progress_ = 0;
    QString progressText_;
    QVariantList documents_;
    QVariantList problems_;
    QString problemsTitle_;
    QString cachedTokenizerPath_;
    std::shared_ptr<const fathom::Tokenizer> cachedTokenizer_;
};

}  // namespace fathom::ingestion
