// fathom-pdf-worker: reads one PDF with poppler-qt6 in its own process and writes JSON lines on stdout:
// {"type":"document",...metadata} then one {"type":"page",...} per page, then {"type":"end"}; a PDF it cannot
// open gives {"type":"error","message":...} and exit code 2. A crash or hang here cannot harm the app.
#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRectF>

#include <poppler-qt6.h>

#include <cstdio>

namespace {
void emitLine(const QJsonObject& object) {
    const QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact);
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);  // the parent reads page by page, for progress and to keep what came before a crash
}

int fail(const QString& message) {
    emitLine({{"type", "error"}, {"message", message}});
    return 2;
}

QString isoDate(const QDateTime& date) { return date.isValid() ? date.toString(Qt::ISODate) : QString(); }
}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: fathom-pdf-worker FILE.pdf\n");
        return 64;
    }
    // Poppler reports malformed objects on stderr; the parent keeps stderr for its log, stdout stays JSON.
    const QString path = QString::fromLocal8Bit(argv[1]);
    std::unique_ptr<Poppler::Document> document = Poppler::Document::load(path);
    if (!document) return fail(QStringLiteral("poppler cannot open it (not a PDF, truncated or damaged)"));
    if (document->isLocked())
        return fail(QStringLiteral("encrypted: it needs a password to open, which Fathom does not ask for yet"));

    const int pages = document->numPages();
    QJsonObject meta{{"type", "document"},
                     {"pages", pages},
                     {"title", document->info(QStringLiteral("Title"))},
                     {"author", document->info(QStringLiteral("Author"))},
                     {"subject", document->info(QStringLiteral("Subject"))},
                     {"creator", document->info(QStringLiteral("Creator"))},
                     {"producer", document->info(QStringLiteral("Producer"))},
                     {"created", isoDate(document->date(QStringLiteral("CreationDate")))},
                     {"modified", isoDate(document->date(QStringLiteral("ModDate")))},
                     {"encrypted", document->isEncrypted()}};
    const Poppler::Document::PdfVersion version = document->getPdfVersion();
    meta.insert("pdfVersion", QStringLiteral("%1.%2").arg(version.major).arg(version.minor));
    emitLine(meta);

    for (int i = 0; i < pages; ++i) {
        std::unique_ptr<Poppler::Page> page = document->page(i);
        if (!page) {
            emitLine({{"type", "page"}, {"number", i + 1}, {"text", ""}, {"hasText", false},
                      {"problem", "poppler cannot read this page"}});
            continue;
        }
        // An empty rectangle asks for the whole page, in poppler's reading order.
        const QString text = page->text(QRectF());
        emitLine({{"type", "page"}, {"number", i + 1}, {"text", text}, {"hasText", !text.trimmed().isEmpty()}});
    }
    emitLine({{"type", "end"}});
    return 0;
}
