// fathom-ingest PATH --json: pages or files with tokens, skipped items with reasons, timing; --db stores the
// document; usage errors exit 64 and a bad PDF exits 1 with the reason on stderr.
#include "ingestion_test_support.hpp"
#include "storage/database.hpp"
#include "storage/document_store.hpp"
#include "unit.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace ingestion_test;

namespace {
struct Run {
    int code = -1;
    QByteArray out, err;
};

Run run(const QStringList& args, const QString& program = QStringLiteral(FATHOM_INGEST_PATH)) {
    QProcess p;
    p.start(program, args);
    p.waitForFinished(30000);
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}
}  // namespace

TEST("a PDF: every page with its tokens, metadata, timing, and the stored document") {
    application();
    QTemporaryDir dir;
    const QString pdf = dir.filePath("two.pdf");
    writeFile(pdf, textPdf({"Hello from page one", ""}));
    const QString db = dir.filePath("fathom.db");
    const Run r = run({pdf, "--json", "--tokenizer", QString::fromStdString((unit::shared_dir() / "fixtures/tokenizer-v4/tokenizer.json").string()), "--db", db});
    CHECK_EQ(r.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    CHECK_EQ(o.value("kind").toString(), QStringLiteral("pdf"));
    const QJsonArray pages = o.value("pages").toArray();
    CHECK_EQ(pages.size(), qsizetype(2));
    CHECK_EQ(pages[0].toObject().value("page").toInt(), 1);
    CHECK(pages[0].toObject().value("tokens").toInt() >= 4);
    CHECK_EQ(pages[1].toObject().value("hasText").toBool(true), false);
    CHECK(o.value("tokens").toInteger() >= 4);
    CHECK_EQ(o.value("skipped").toArray().size(), qsizetype(1));
    CHECK(o.value("timing").toObject().contains("tokensPerSecond"));
    CHECK_EQ(o.value("metadata").toObject().value("title").toString(), QStringLiteral("Crafted"));
    fathom::storage::Database database(db.toStdString());
    fathom::storage::DocumentStore store(database);
    const auto page = store.page(o.value("documentId").toInteger(), 1);
    CHECK(page.has_value());
    CHECK(page && page->text.find("Hello from page one") != std::string::npos);
}

TEST("a folder: files and skipped items with reasons; --no-tokens reports tokens as null") {
    application();
    QTemporaryDir dir;
    writeFile(dir.filePath("f/a.txt"), "alpha\n");
    writeFile(dir.filePath("f/b.bin"), QByteArray("\0\1\2", 3));
    const Run r = run({dir.filePath("f"), "--json", "--no-tokens"});
    CHECK_EQ(r.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    CHECK_EQ(o.value("files").toArray().size(), qsizetype(1));
    CHECK(o.value("tokens").isNull());
    CHECK_EQ(o.value("skipped").toArray()[0].toObject().value("path").toString(), QStringLiteral("b.bin"));
    CHECK(o.value("tree").toString().contains("a.txt"));
}

TEST("usage errors exit 64, an unreadable PDF exits 1 with the reason") {
    application();
    CHECK_EQ(run({}).code, 64);
    CHECK_EQ(run({"a", "b"}).code, 64);
    CHECK_EQ(run({"a", "--timeout", "zero"}).code, 64);
    QTemporaryDir dir;
    writeFile(dir.filePath("bad.pdf"), "not a pdf at all");
    const Run r = run({dir.filePath("bad.pdf"), "--no-tokens"});
    CHECK_EQ(r.code, 1);
    CHECK(r.err.contains("poppler cannot open it"));
}

TEST("fathom-cli ingest hands over to fathom-ingest with the same arguments") {
    application();
    QTemporaryDir dir;
    writeFile(dir.filePath("f/a.txt"), "alpha\n");
    const Run r = run({"ingest", dir.filePath("f"), "--json", "--no-tokens"}, QStringLiteral(FATHOM_CLI_PATH));
    CHECK_EQ(r.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    CHECK_EQ(o.value("kind").toString(), QStringLiteral("folder"));
    CHECK_EQ(o.value("files").toArray().size(), qsizetype(1));
}

UNIT_MAIN()
