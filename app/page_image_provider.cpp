#include "app/page_image_provider.hpp"

#include "app/app_log.hpp"
#include "app/ingestion/pdf_extractor.hpp"
#include "fathom/error.hpp"
#include "storage/database.hpp"
#include "storage/document_store.hpp"

#include <QFileInfo>
#include <QProcess>

namespace fathom::app {

namespace {
constexpr int kDefaultWidth = 900;
constexpr int kRenderTimeoutMs = 20000;
}  // namespace

QImage renderPdfPage(const QString& pdfPath, int page, int width, const QString& workerPath) {
    const QString worker = workerPath.isEmpty() ? ingestion::defaultPdfWorkerPath() : workerPath;
    if (!QFileInfo(pdfPath).isFile())
        throw Error("the PDF '" + pdfPath.toStdString() + "' is no longer there (moved or deleted since it was read)");
    QProcess process;
    process.start(worker, {QStringLiteral("--render"), pdfPath, QString::number(page), QString::number(width)});
    if (!process.waitForStarted(10000))
        throw Error("cannot start the PDF worker '" + worker.toStdString() + "': " + process.errorString().toStdString());
    if (!process.waitForFinished(kRenderTimeoutMs)) {
        process.kill();
        process.waitForFinished(2000);
        throw Error("rendering page " + std::to_string(page) + " of '" + pdfPath.toStdString() + "' took over 20 s");
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        throw Error("page " + std::to_string(page) + " of '" + pdfPath.toStdString() + "' could not be rendered: " +
                    QString::fromUtf8(process.readAllStandardError()).trimmed().toStdString());
    QImage image;
    if (!image.loadFromData(process.readAllStandardOutput(), "PNG"))
        throw Error("the PDF worker's image of page " + std::to_string(page) + " is not a readable PNG");
    return image;
}

PageImageProvider::PageImageProvider(QString databasePath)
    : QQuickImageProvider(QQuickImageProvider::Image, QQmlImageProviderBase::ForceAsynchronousImageLoading),
      databasePath_(std::move(databasePath)) {}

QImage PageImageProvider::requestImage(const QString& id, QSize* size, const QSize& requestedSize) {
    const QStringList parts = id.split(QLatin1Char('/'));
    bool okDoc = false, okPage = false;
    const qint64 documentId = parts.value(0).toLongLong(&okDoc);
    const int page = parts.value(1).toInt(&okPage);
    QImage image;
    try {
        if (parts.size() != 2 || !okDoc || !okPage) throw Error("not a page id: '" + id.toStdString() + "'");
        // This runs on QML's image thread: it gets its own connection.
        storage::Database db(databasePath_.toStdString());
        const auto document = storage::DocumentStore(db).find_document(documentId);
        if (!document) throw Error("document " + std::to_string(documentId) + " is no longer stored");
        if (document->kind != "pdf") throw Error("document " + std::to_string(documentId) + " is not a PDF");
        const int width = requestedSize.width() > 0 ? requestedSize.width() : kDefaultWidth;
        image = renderPdfPage(QString::fromStdString(document->source_path), page, width);
    } catch (const std::exception& e) {
        appLog()->warn("page image {}: {}", id.toStdString(), e.what());
    }
    if (size) *size = image.size();
    return image;
}

}  // namespace fathom::app
