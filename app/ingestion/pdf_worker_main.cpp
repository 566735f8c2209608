// fathom-pdf-worker: reads one PDF with poppler-qt6 in its own process and writes JSON lines on stdout:
// {"type":"document",...metadata} then one {"type":"page",...} per page, then {"type":"end"}; a PDF it cannot
// open gives {"type":"error","message":...} and exit code 2. A crash or hang here cannot harm the app.
// With --render FILE.pdf PAGE WIDTH it writes that page (from 1) as a PNG, WIDTH pixels wide, on stdout instead.
#include <QBuffer>
#include <QCoreApplication>
#include <QDateTime>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRectF>

#include <poppler-qt6.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

// Errors go to stderr here (stdout is the image); exit code 2 as above.
int renderPage(const QString& path, int number, int width) {
    std::unique_ptr<Poppler::Document> document = Poppler::Document::load(path);
    if (!document || document->isLocked()) {
        std::fprintf(stderr, "poppler cannot open '%s' (missing, damaged or encrypted)\n", qPrintable(path));
        return 2;
    }
    if (number < 1 || number > document->numPages()) {
        std::fprintf(stderr, "page %d is not in '%s' (%d pages)\n", number, qPrintable(path), document->numPages());
        return 2;
    }
    std::unique_ptr<Poppler::Page> page = document->page(number - 1);
    if (!page) {
        std::fprintf(stderr, "poppler cannot read page %d\n", number);
        return 2;
    }
    document->setRenderHint(Poppler::Document::Antialiasing);
    document->setRenderHint(Poppler::Document::TextAntialiasing);
    const double points = page->pageSizeF().width();  // 72 points to the inch
    const double dpi = points > 0 ? std::clamp(72.0 * width / points, 20.0, 400.0) : 96.0;
    const QImage image = page->renderToImage(dpi, dpi);
    if (image.isNull()) {
        std::fprintf(stderr, "poppler could not render page %d\n", number);
        return 2;
    }
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    std::fwrite(png.constData(), 1, size_t(png.size()), stdout);
    std::fflush(stdout);
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc == 5 && std::strcmp(argv[1], "--render") == 0)
        return renderPage(QString::fromLocal8Bit(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]));
    if (argc != 2) {
        std::fprintf(stderr, "usage: fathom-pdf-worker FILE.pdf | --render FILE.pdf PAGE WIDTH\n");
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
