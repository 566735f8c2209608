// PDFs through the worker process: text per page with numbers and metadata, scanned pages reported, and bad
// input (truncated, encrypted, cyclic, zero-page, huge-page) refused or read without taking this process down.
// A worker that crashes or hangs is simulated by scripts standing in for fathom-pdf-worker.
#include "app/ingestion/pdf_extractor.hpp"
#include "fathom/error.hpp"
#include "ingestion_test_support.hpp"
#include "unit.hpp"

#include <QElapsedTimer>
#include <QFile>

using namespace fathom::ingestion;
using namespace ingestion_test;

namespace {
PdfOptions workerOptions() {
    PdfOptions options;
    options.workerPath = QStringLiteral(FATHOM_PDF_WORKER_PATH);
    options.silenceTimeoutMs = 5000;
    return options;
}

QString put(const QTemporaryDir& dir, const char* name, const QByteArray& bytes) {
    const QString path = dir.filePath(QString::fromLatin1(name));
    writeFile(path, bytes);
    return path;
}

QString script(const QTemporaryDir& dir, const char* name, const char* body) {
    const QString path = put(dir, name, QByteArray("#!/bin/sh\n") + body);
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}
}  // namespace

TEST("pages come back in order with their numbers, metadata and scanned pages flagged") {
    application();
    QTemporaryDir dir;
    const QString path = put(dir, "three.pdf", textPdf({"First page text", "", "Third page, with (escaped) parens"}));
    int lastDone = 0, lastTotal = 0;
    const IngestResult r = extractPdf(path, workerOptions(), [&](int done, int total, const QString&) {
        lastDone = done;
        lastTotal = total;
    }, nullptr);
    CHECK_EQ(r.parts.size(), qsizetype(3));
    CHECK_EQ(*r.parts[0].pageNumber, 1);
    CHECK(r.parts[0].text.contains(QStringLiteral("First page text")));
    CHECK(!r.parts[1].hasText);
    CHECK_EQ(*r.parts[2].pageNumber, 3);
    CHECK(r.parts[2].text.contains(QStringLiteral("Third page, with (escaped) parens")));
    CHECK_EQ(r.title, QStringLiteral("Crafted"));
    CHECK(r.metadataJson.contains(QStringLiteral("\"author\":\"tests\"")));
    CHECK_EQ(r.problems.size(), qsizetype(1));
    CHECK_EQ(r.problems[0].path, QStringLiteral("page 2"));
    CHECK(r.problems[0].reason.contains(QStringLiteral("no text layer")));
    CHECK_EQ(lastDone, 3);
    CHECK_EQ(lastTotal, 3);
}

TEST("a truncated PDF is refused with the path, or read only as far as it goes") {
    application();
    QTemporaryDir dir;
    const QByteArray whole = textPdf({"alpha", "beta", "gamma", "delta"});
    const QString stub = put(dir, "stub.pdf", whole.left(20));
    CHECK_THROWS_WITH(extractPdf(stub, workerOptions(), {}, nullptr), "stub.pdf");
    // Cut in the middle: poppler may rebuild the cross-reference table; whatever it returns must be real pages.
    const QString half = put(dir, "half.pdf", whole.left(whole.size() / 2));
    try {
        const IngestResult r = extractPdf(half, workerOptions(), {}, nullptr);
        CHECK(r.parts.size() <= 4);
        for (const IngestedPart& p : r.parts) CHECK(*p.pageNumber >= 1 && *p.pageNumber <= 4);
    } catch (const fathom::Error& e) {
        CHECK(std::string(e.what()).find("half.pdf") != std::string::npos);
    }
}

TEST("an encrypted PDF that needs a password is reported as such") {
    application();
    QTemporaryDir dir;
    const std::string junk32 = "<" + std::string(64, 'A') + ">";
    const std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>", stream("BT ET"),
        "<< /Filter /Standard /V 1 /R 2 /O " + junk32 + " /U " + junk32 + " /P -4 >>"};
    const QString path = put(dir, "locked.pdf", buildPdf(objects, "/Encrypt 5 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]"));
    CHECK_THROWS_WITH(extractPdf(path, workerOptions(), {}, nullptr), "encrypted");
}

TEST("a PDF whose page tree and stream lengths refer to themselves ends, without pages or with an error") {
    application();
    QTemporaryDir dir;
    const std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",  // the tree contains itself
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        "<< /Length 5 0 R >>\nstream\nBT /F1 12 Tf 72 700 Td (loop) Tj ET\nendstream",
        "6 0 R", "5 0 R"};  // a length that is a reference to a reference to itself
    const QString path = put(dir, "cyclic.pdf", buildPdf(objects));
    QElapsedTimer timer;
    timer.start();
    try {
        const IngestResult r = extractPdf(path, workerOptions(), {}, nullptr);
        CHECK(r.parts.size() <= 2);
    } catch (const fathom::Error& e) {
        CHECK(std::string(e.what()).find("cyclic.pdf") != std::string::npos);
    }
    CHECK(timer.elapsed() < 5000);
}

TEST("a PDF with zero pages is refused as having no pages") {
    application();
    QTemporaryDir dir;
    const QString path = put(dir, "empty.pdf", buildPdf({"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"}));
    bool refused = false;
    try {
        extractPdf(path, workerOptions(), {}, nullptr);
    } catch (const fathom::Error& e) {
        refused = true;
        const std::string message = e.what();
        CHECK(message.find("no pages") != std::string::npos || message.find("cannot open") != std::string::npos);
    }
    CHECK(refused);
}

TEST("a huge page (a 100 km square) still gives its text") {
    application();
    QTemporaryDir dir;
    const QString path = put(dir, "huge.pdf", textPdf({"Text on a giant page"}, "[0 0 14400 14400] /UserUnit 75000"));
    const IngestResult r = extractPdf(path, workerOptions(), {}, nullptr);
    CHECK_EQ(r.parts.size(), qsizetype(1));
    CHECK(r.parts[0].text.contains(QStringLiteral("Text on a giant page")));
}

TEST("a parser that crashes part way keeps the pages before it and lists the crash") {
    application();
    QTemporaryDir dir;
    const QString pdf = put(dir, "any.pdf", textPdf({"x"}));
    PdfOptions options = workerOptions();
    options.workerPath = script(dir, "crashing-worker",
                                "echo '{\"type\":\"document\",\"pages\":3}'\n"
                                "echo '{\"type\":\"page\",\"number\":1,\"text\":\"one\",\"hasText\":true}'\n"
                                "kill -SEGV $$\n");
    const IngestResult r = extractPdf(pdf, options, {}, nullptr);
    CHECK_EQ(r.parts.size(), qsizetype(1));
    CHECK_EQ(r.parts[0].text, QStringLiteral("one"));
    CHECK_EQ(r.problems.size(), qsizetype(1));
    CHECK(r.problems[0].reason.contains(QStringLiteral("crashed")));
    options.workerPath = script(dir, "crash-at-once", "kill -SEGV $$\n");
    CHECK_THROWS_WITH(extractPdf(pdf, options, {}, nullptr), "crashed before reading any page");
}

TEST("a parser that hangs is killed after the silence limit") {
    application();
    QTemporaryDir dir;
    const QString pdf = put(dir, "any.pdf", textPdf({"x"}));
    PdfOptions options = workerOptions();
    options.silenceTimeoutMs = 700;
    options.workerPath = script(dir, "hanging-worker", "echo '{\"type\":\"document\",\"pages\":2}'\nexec sleep 60\n");
    QElapsedTimer timer;
    timer.start();
    CHECK_THROWS_WITH(extractPdf(pdf, options, {}, nullptr), "hung");
    CHECK(timer.elapsed() < 5000);
}

TEST("cancelling stops the worker") {
    application();
    QTemporaryDir dir;
    const QString pdf = put(dir, "any.pdf", textPdf({"x"}));
    PdfOptions options = workerOptions();
    options.workerPath = script(dir, "slow-worker", "exec sleep 60\n");
    CancelFlag cancel{true};
    QElapsedTimer timer;
    timer.start();
    bool cancelled = false;
    try {
        extractPdf(pdf, options, {}, &cancel);
    } catch (const fathom::Cancelled&) {
        cancelled = true;
    }
    CHECK(cancelled);
    CHECK(timer.elapsed() < 3000);
}

UNIT_MAIN()
