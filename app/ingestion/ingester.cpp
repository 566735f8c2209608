#include "app/ingestion/ingester.hpp"

#include "app/ingestion/ingestion_log.hpp"
#include "app/ingestion/folder_listing.hpp"
#include "app/ingestion/text_decoding.hpp"
#include "app/ingestion/tree_summary.hpp"
#include "fathom/error.hpp"
#include "fathom/tokenizer.hpp"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <thread>
#include <vector>

namespace fathom::ingestion {

QString kindName(SourceKind kind) {
    switch (kind) {
        case SourceKind::pdf: return QStringLiteral("pdf");
        case SourceKind::folder: return QStringLiteral("folder");
        case SourceKind::repository: return QStringLiteral("repository");
        case SourceKind::text: return QStringLiteral("text");
    }
    return QStringLiteral("text");
}

namespace {
void checkCancel(const CancelFlag* cancel) {
    if (cancel && cancel->load()) throw fathom::Cancelled();
}

QString hashParts(const IngestResult& result) {
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(kindName(result.kind).toUtf8());
    for (const IngestedPart& part : result.parts) {
        hash.addData(part.pageNumber ? QByteArray::number(*part.pageNumber) : part.filePath.toUtf8());
        hash.addData(QByteArrayView("\0", 1));
        hash.addData(part.text.toUtf8());
        hash.addData(QByteArrayView("\0", 1));
    }
    return QString::fromLatin1(hash.result().toHex());
}

}  // namespace

std::optional<IngestedPart> readTextPart(const QString& absolutePath, const QString& relativePath,
                                         QList<IngestProblem>& problems) {
    QFile file(absolutePath);
    if (!file.open(QIODevice::ReadOnly)) {
        problems.append({relativePath, QStringLiteral("cannot open: %1").arg(file.errorString())});
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        problems.append({relativePath, QStringLiteral("cannot read: %1").arg(file.errorString())});
        return std::nullopt;
    }
    if (bytes.isEmpty()) {
        problems.append({relativePath, QStringLiteral("empty file")});
        return std::nullopt;
    }
    QString why;
    auto decoded = decodeText(bytes, &why);
    if (!decoded) {
        problems.append({relativePath, why});
        return std::nullopt;
    }
    if (decoded->note) problems.append({relativePath, *decoded->note});
    IngestedPart part;
    part.filePath = relativePath;
    part.text = std::move(decoded->text);
    return part;
}

namespace {
IngestResult ingestFolder(const QString& path, const IngestOptions& options, const ProgressCallback& progress,
                          const CancelFlag* cancel) {
    const QFileInfo info(path);
    if (progress) progress(0, -1, QStringLiteral("listing files"));
    const FolderListing listing = listFolder(info.absoluteFilePath(), options.folder, cancel);
    IngestResult result;
    result.kind = listing.fromRepository ? SourceKind::repository : SourceKind::folder;
    result.sourcePath = info.absoluteFilePath();
    result.title = info.fileName();
    result.problems = listing.skipped;
    result.treeSummary = treeSummary(info.fileName(), listing);
    QJsonObject meta{{"files", int(listing.files.size())}, {"skipped", int(listing.skipped.size())}};
    if (listing.fromRepository) meta.insert("repository", listing.repositoryDescription);
    result.metadataJson = QString::fromUtf8(QJsonDocument(meta).toJson(QJsonDocument::Compact));
    const int total = int(listing.files.size());
    for (int i = 0; i < total; ++i) {
        checkCancel(cancel);
        const FolderFile& file = listing.files[i];
        if (auto part = readTextPart(file.absolutePath, file.relativePath, result.problems)) result.parts.append(std::move(*part));
        if (progress && (i % 16 == 0 || i + 1 == total)) progress(i + 1, total, file.relativePath);
    }
    return result;
}

IngestResult ingestTextFile(const QString& path, const IngestOptions& options) {
    const QFileInfo info(path);
    if (info.size() > options.folder.maxFileBytes)
        throw fathom::Error("'" + path.toStdString() + "' is " + humanBytes(info.size()).toStdString() + ", over the " +
                            humanBytes(options.folder.maxFileBytes).toStdString() + " limit for one file");
    IngestResult result;
    result.kind = SourceKind::text;
    result.sourcePath = info.absoluteFilePath();
    result.title = info.fileName();
    auto part = readTextPart(info.absoluteFilePath(), info.fileName(), result.problems);
    if (!part) throw fathom::Error("'" + path.toStdString() + "': " + result.problems.last().reason.toStdString());
    result.parts.append(std::move(*part));
    return result;
}
}  // namespace

void countTokens(IngestResult& result, const fathom::Tokenizer& tokenizer, int threads, const CancelFlag* cancel) {
    QElapsedTimer timer;
    timer.start();
    const int workers = std::max(1, threads > 0 ? threads : int(std::thread::hardware_concurrency()));
    std::atomic<int> next{0};
    std::vector<std::thread> pool;
    // Parts are claimed one at a time, so a few huge files do not leave the other threads idle.
    auto work = [&] {
        for (int i; (i = next.fetch_add(1)) < result.parts.size();) {
            if (cancel && cancel->load()) return;
            const QByteArray utf8 = result.parts[i].text.toUtf8();
            result.parts[i].tokenCount = int64_t(tokenizer.encode(std::string_view(utf8.constData(), size_t(utf8.size()))).size());
        }
    };
    for (int t = 0; t < workers; ++t) pool.emplace_back(work);
    for (auto& thread : pool) thread.join();
    checkCancel(cancel);
    result.totalTokens = 0;
    for (const IngestedPart& part : result.parts) result.totalTokens += part.tokenCount;
    result.tokenizeSeconds = double(timer.nsecsElapsed()) / 1e9;
}

IngestResult ingestPath(const QString& path, const IngestOptions& options, const ProgressCallback& progress,
                        const CancelFlag* cancel) {
    const QFileInfo info(path);
    if (!info.exists()) throw fathom::Error("'" + path.toStdString() + "' does not exist");
    QElapsedTimer timer;
    timer.start();
    IngestResult result;
    if (info.isDir())
        result = ingestFolder(path, options, progress, cancel);
    else if (info.suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0)
        result = extractPdf(path, options.pdf, progress, cancel);
    else
        result = ingestTextFile(path, options);
    result.extractSeconds = double(timer.nsecsElapsed()) / 1e9;
    checkCancel(cancel);
    if (options.tokenizer) {
        if (progress) progress(int(result.parts.size()), int(result.parts.size()), QStringLiteral("counting tokens"));
        countTokens(result, *options.tokenizer, options.tokenThreads, cancel);
    }
    result.contentHash = hashParts(result);
    ingestLog()->info("ingested '{}' ({}): {} parts, {} problems, {} tokens, {:.2f} s extract + {:.2f} s tokens",
                   path.toStdString(), kindName(result.kind).toStdString(), result.parts.size(), result.problems.size(),
                   result.totalTokens, result.extractSeconds, result.tokenizeSeconds);
    return result;
}

}  // namespace fathom::ingestion
