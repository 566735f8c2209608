#include "app/ingestion/pdf_extractor.hpp"

#include "app/ingestion/ingestion_log.hpp"
#include "fathom/error.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

namespace fathom::ingestion {

namespace {
std::string quoted(const QString& path) { return "'" + path.toStdString() + "'"; }

void stop(QProcess& process) {
    process.kill();
    process.waitForFinished(2000);
}

QString describeExit(QProcess& process) {
    if (process.exitStatus() == QProcess::CrashExit) return QStringLiteral("the PDF parser crashed");
    return QStringLiteral("the PDF parser exited with code %1").arg(process.exitCode());
}
}  // namespace

QString defaultPdfWorkerPath() {
    if (const QByteArray env = qgetenv("FATHOM_PDF_WORKER"); !env.isEmpty()) return QString::fromLocal8Bit(env);
    const QString dir = QCoreApplication::instance() ? QCoreApplication::applicationDirPath()
                                                     : QFileInfo(QStringLiteral("/proc/self/exe")).canonicalPath();
    return QDir(dir).filePath(QStringLiteral("fathom-pdf-worker"));
}

IngestResult extractPdf(const QString& path, const PdfOptions& options, const ProgressCallback& progress,
                        const CancelFlag* cancel) {
    const QFileInfo info(path);
    if (!info.isFile()) throw fathom::Error("PDF " + quoted(path) + " does not exist or is not a file");
    const QString worker = options.workerPath.isEmpty() ? defaultPdfWorkerPath() : options.workerPath;
    if (!QFileInfo(worker).isExecutable())
        throw fathom::Error("the PDF worker " + quoted(worker) + " is missing or not executable (it is built with the app)");

    IngestResult result;
    result.kind = SourceKind::pdf;
    result.sourcePath = info.absoluteFilePath();
    result.title = info.completeBaseName();

    QProcess process;
    process.setProcessChannelMode(QProcess::SeparateChannels);
    process.start(worker, {info.absoluteFilePath()});
    if (!process.waitForStarted(10000))
        throw fathom::Error("cannot start the PDF worker " + quoted(worker) + ": " + process.errorString().toStdString());

    QElapsedTimer total, silence;
    total.start();
    silence.start();
    int expectedPages = -1;
    bool ended = false;
    QString workerError;
    QByteArray pending;
    auto handleLine = [&](const QByteArray& line) {
        QJsonParseError parseError;
        const QJsonObject object = QJsonDocument::fromJson(line, &parseError).object();
        if (parseError.error != QJsonParseError::NoError) {
            result.problems.append({QStringLiteral("(parser output)"), QStringLiteral("unreadable line from the PDF worker: %1").arg(parseError.errorString())});
            return;
        }
        const QString type = object.value("type").toString();
        if (type == QLatin1String("document")) {
            expectedPages = object.value("pages").toInt();
            if (const QString title = object.value("title").toString().trimmed(); !title.isEmpty()) result.title = title;
            QJsonObject meta = object;
            meta.remove("type");
            result.metadataJson = QString::fromUtf8(QJsonDocument(meta).toJson(QJsonDocument::Compact));
        } else if (type == QLatin1String("page")) {
            IngestedPart part;
            part.pageNumber = object.value("number").toInt();
            part.text = object.value("text").toString();
            part.hasText = object.value("hasText").toBool();
            if (object.contains("problem"))
                result.problems.append({QStringLiteral("page %1").arg(*part.pageNumber), object.value("problem").toString()});
            else if (!part.hasText)
                result.problems.append({QStringLiteral("page %1").arg(*part.pageNumber), QStringLiteral("no text layer (a scanned page? OCR is not done)")});
            result.parts.append(std::move(part));
            if (progress) progress(int(result.parts.size()), expectedPages, QStringLiteral("page %1").arg(result.parts.size()));
        } else if (type == QLatin1String("end")) {
            ended = true;
        } else if (type == QLatin1String("error")) {
            workerError = object.value("message").toString();
        }
    };

    while (true) {
        const bool running = process.state() != QProcess::NotRunning;
        if (running) process.waitForReadyRead(100);
        const QByteArray chunk = process.readAllStandardOutput();
        if (!chunk.isEmpty()) silence.restart();
        pending += chunk;
        for (qsizetype newline; (newline = pending.indexOf('\n')) >= 0;) {
            handleLine(pending.left(newline));
            pending.remove(0, newline + 1);
        }
        if (!running) break;
        if (cancel && cancel->load()) {
            stop(process);
            throw fathom::Cancelled();
        }
        const bool hung = silence.elapsed() > options.silenceTimeoutMs;
        if (hung || total.elapsed() > options.totalTimeoutMs) {
            stop(process);
            const QString why = hung ? QStringLiteral("no output for %1 s").arg(options.silenceTimeoutMs / 1000.0)
                                     : QStringLiteral("over the %1 s limit").arg(options.totalTimeoutMs / 1000.0);
            ingestLog()->warn("PDF worker killed on '{}' after page {}: {}", path.toStdString(), result.parts.size(), why.toStdString());
            if (result.parts.isEmpty()) throw fathom::Error("PDF " + quoted(path) + ": the parser hung (" + why.toStdString() + ") and was stopped");
            result.problems.append({QStringLiteral("page %1").arg(result.parts.size() + 1),
                                    QStringLiteral("the parser hung here (%1) and was stopped; later pages are missing").arg(why)});
            return result;
        }
    }
    process.waitForFinished(1000);
    const QByteArray stderrText = process.readAllStandardError().trimmed();
    if (!stderrText.isEmpty()) ingestLog()->debug("PDF worker on '{}' said: {}", path.toStdString(), stderrText.left(2000).toStdString());
    if (!workerError.isEmpty()) throw fathom::Error("PDF " + quoted(path) + ": " + workerError.toStdString());
    if (!ended) {
        const QString why = describeExit(process);
        if (result.parts.isEmpty()) throw fathom::Error("PDF " + quoted(path) + ": " + why.toStdString() + " before reading any page");
        result.problems.append({QStringLiteral("page %1").arg(result.parts.size() + 1),
                                QStringLiteral("%1 here; the %2 pages before it are kept, later ones are missing").arg(why).arg(result.parts.size())});
    }
    if (ended && expectedPages == 0) throw fathom::Error("PDF " + quoted(path) + " has no pages");
    return result;
}

}  // namespace fathom::ingestion
