// fathom-ingest: ingests a PDF, folder, repository or text file the way the app does and reports what it read:
// pages or files with their tokens, every skipped item with its reason, and timing. --json for scripts.
// It lives in app/ because it needs Qt and poppler, which the engine's fathom-cli must not depend on.
#include "app/ingestion/ingest_storage.hpp"
#include "app/ingestion/ingester.hpp"
#include "app/ingestion/prompt_builder.hpp"
#include "fathom/error.hpp"
#include "fathom/tokenizer.hpp"
#include "storage/database.hpp"
#include "storage/document_store.hpp"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>

namespace {
const char* kUsage =
    "usage: fathom-ingest PATH [--json] [--tokenizer tokenizer.json | --no-tokens] [--db fathom.db]\n"
    "                     [--timeout SECONDS] [--max-file-bytes N] [--threads N] [--prompt-budget TOKENS]\n"
    "  PATH: a PDF, a folder or git repository, or a text file\n"
    "  --db: also store the document in this database (as the app does)\n"
    "  --prompt-budget: also lay the document out for a prompt (page/file markers) within TOKENS and time it\n";

struct Args {
    QString path;
    bool json = false;
    bool countTokens = true;
    QString tokenizer = QStringLiteral(FATHOM_DEFAULT_TOKENIZER);
    QString db;
    int64_t promptBudget = 0;
    fathom::ingestion::IngestOptions options;
};

Args parse(const QStringList& argv) {
    Args args;
    for (int i = 1; i < argv.size(); ++i) {
        const QString& a = argv[i];
        auto value = [&]() -> QString {
            if (i + 1 >= argv.size()) throw fathom::Error(a.toStdString() + " needs a value");
            return argv[++i];
        };
        auto number = [&]() -> qint64 {
            bool ok = false;
            const QString text = value();
            const qint64 n = text.toLongLong(&ok);
            if (!ok || n <= 0) throw fathom::Error(a.toStdString() + " needs a positive number, not '" + text.toStdString() + "'");
            return n;
        };
        if (a == "--json") args.json = true;
        else if (a == "--no-tokens") args.countTokens = false;
        else if (a == "--tokenizer") args.tokenizer = value();
        else if (a == "--db") args.db = value();
        else if (a == "--timeout") args.options.pdf.silenceTimeoutMs = int(number() * 1000);
        else if (a == "--max-file-bytes") args.options.folder.maxFileBytes = number();
        else if (a == "--threads") args.options.tokenThreads = int(number());
        else if (a == "--prompt-budget") args.promptBudget = number();
        else if (a == "-h" || a == "--help") throw fathom::Error("help");
        else if (a.startsWith("--")) throw fathom::Error("unknown option " + a.toStdString());
        else if (args.path.isEmpty()) args.path = a;
        else throw fathom::Error("one PATH only ('" + a.toStdString() + "' is a second)");
    }
    if (args.path.isEmpty()) throw fathom::Error("PATH is missing");
    return args;
}

QJsonObject report(const fathom::ingestion::IngestResult& r, double storeSeconds, std::optional<int64_t> documentId,
                   bool tokensCounted, double totalSeconds) {
    QJsonArray parts, skipped;
    for (const auto& p : r.parts) {
        QJsonObject o{{"tokens", tokensCounted ? QJsonValue(qint64(p.tokenCount)) : QJsonValue()}, {"chars", int(p.text.size())}};
        if (p.pageNumber) {
            o.insert("page", *p.pageNumber);
            o.insert("hasText", p.hasText);
        } else {
            o.insert("file", p.filePath);
        }
        parts.append(o);
    }
    for (const auto& s : r.problems) skipped.append(QJsonObject{{"path", s.path}, {"reason", s.reason}});
    const double units = double(r.parts.size());
    const double extractAndTokens = r.extractSeconds + r.tokenizeSeconds;
    QJsonObject out{{"path", r.sourcePath},
                    {"kind", fathom::ingestion::kindName(r.kind)},
                    {"title", r.title},
                    {"metadata", QJsonDocument::fromJson(r.metadataJson.toUtf8()).object()},
                    {"contentHash", r.contentHash},
                    {r.kind == fathom::ingestion::SourceKind::pdf ? "pages" : "files", parts},
                    {"tokens", tokensCounted ? QJsonValue(qint64(r.totalTokens)) : QJsonValue()},
                    {"skipped", skipped},
                    {"timing", QJsonObject{{"extractSeconds", r.extractSeconds},
                                           {"tokenizeSeconds", r.tokenizeSeconds},
                                           {"storeSeconds", storeSeconds},
                                           {"totalSeconds", totalSeconds},
                                           {"partsPerSecond", extractAndTokens > 0 ? units / extractAndTokens : 0.0},
                                           {"tokensPerSecond", tokensCounted && r.tokenizeSeconds > 0 ? double(r.totalTokens) / r.tokenizeSeconds : 0.0}}}};
    if (!r.treeSummary.isEmpty()) out.insert("tree", r.treeSummary);
    if (documentId) out.insert("documentId", qint64(*documentId));
    return out;
}

// The document as the prompt builder lays it out, timed: the last step before a question can be asked.
QJsonObject promptReport(const fathom::ingestion::IngestResult& r, int64_t budget, const fathom::Tokenizer& tokenizer) {
    QElapsedTimer timer;
    timer.start();
    fathom::ingestion::PromptDocument document;
    document.document.id = 1;
    document.document.kind = fathom::ingestion::kindName(r.kind).toStdString();
    document.document.title = r.title.toStdString();
    document.treeSummary = r.treeSummary.toStdString();
    for (const auto& part : r.parts) {
        fathom::storage::DocumentPage page;
        if (part.pageNumber) page.page_number = *part.pageNumber;
        else page.file_path = part.filePath.toStdString();
        page.text = part.text.toStdString();
        page.has_text = part.hasText;
        document.parts.push_back(std::move(page));
    }
    const auto block = fathom::ingestion::buildDocumentBlock({document}, {budget, true}, tokenizer);
    QJsonArray omitted;
    for (const auto& o : block.omittedSummary) omitted.append(QString::fromStdString(o));
    return {{"budget", qint64(budget)}, {"tokens", qint64(block.tokenCount)}, {"includedParts", qint64(block.includedParts)},
            {"omittedParts", qint64(block.omittedParts)}, {"omitted", omitted}, {"seconds", double(timer.nsecsElapsed()) / 1e9}};
}

void printHuman(const QJsonObject& o) {
    const bool pdf = o.contains("pages");
    const QJsonArray parts = o.value(pdf ? "pages" : "files").toArray();
    const QJsonObject t = o.value("timing").toObject();
    if (o.contains("tree")) std::printf("%s\n\n", o.value("tree").toString().toUtf8().constData());
    std::printf("%s: %s '%s'\n", o.value("path").toString().toUtf8().constData(), o.value("kind").toString().toUtf8().constData(),
                o.value("title").toString().toUtf8().constData());
    std::printf("%lld %s, %s tokens\n", (long long)parts.size(), pdf ? "pages" : "files",
                o.value("tokens").isNull() ? "uncounted" : QByteArray::number(o.value("tokens").toInteger()).constData());
    const QJsonArray skipped = o.value("skipped").toArray();
    std::printf("%lld skipped or with problems:\n", (long long)skipped.size());
    for (const auto& s : skipped)
        std::printf("  %s: %s\n", s.toObject().value("path").toString().toUtf8().constData(),
                    s.toObject().value("reason").toString().toUtf8().constData());
    std::printf("extract %.3f s, tokens %.3f s, store %.3f s, total %.3f s: %.1f %s/s, %.0f tokens/s\n",
                t.value("extractSeconds").toDouble(), t.value("tokenizeSeconds").toDouble(), t.value("storeSeconds").toDouble(),
                t.value("totalSeconds").toDouble(), t.value("partsPerSecond").toDouble(), pdf ? "pages" : "files",
                t.value("tokensPerSecond").toDouble());
    if (o.contains("documentId")) std::printf("stored as document %lld\n", (long long)o.value("documentId").toInteger());
    if (o.contains("prompt")) {
        const QJsonObject p = o.value("prompt").toObject();
        std::printf("prompt block: %lld tokens of a %lld budget, %lld parts in, %lld left out, built in %.3f s\n",
                    (long long)p.value("tokens").toInteger(), (long long)p.value("budget").toInteger(),
                    (long long)p.value("includedParts").toInteger(), (long long)p.value("omittedParts").toInteger(),
                    p.value("seconds").toDouble());
    }
}
}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    spdlog::set_level(spdlog::level::warn);  // stdout is the report; logs go to stderr and only when they matter
    Args args;
    try {
        args = parse(app.arguments());
    } catch (const fathom::Error& e) {
        if (std::string(e.what()) != "help") std::fprintf(stderr, "fathom-ingest: %s\n", e.what());
        std::fputs(kUsage, stderr);
        return 64;
    }
    try {
        QElapsedTimer total;
        total.start();
        std::optional<fathom::Tokenizer> tokenizer;
        if (args.countTokens) {
            tokenizer.emplace(fathom::Tokenizer::load(args.tokenizer.toStdString()));
            args.options.tokenizer = &*tokenizer;
        }
        const auto result = fathom::ingestion::ingestPath(args.path, args.options);
        std::optional<int64_t> id;
        QElapsedTimer store;
        store.start();
        if (!args.db.isEmpty()) {
            fathom::storage::Database db(args.db.toStdString());
            fathom::storage::DocumentStore documents(db);
            id = fathom::ingestion::storeIngest(documents, result);
        }
        const double storeSeconds = args.db.isEmpty() ? 0.0 : double(store.nsecsElapsed()) / 1e9;
        QJsonObject prompt;
        if (args.promptBudget > 0) {
            if (!tokenizer) throw fathom::Error("--prompt-budget needs the tokenizer (drop --no-tokens)");
            prompt = promptReport(result, args.promptBudget, *tokenizer);
        }
        QJsonObject out = report(result, storeSeconds, id, args.countTokens, double(total.nsecsElapsed()) / 1e9);
        if (!prompt.isEmpty()) out.insert("prompt", prompt);
        if (args.json) std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
        else printHuman(out);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fathom-ingest: %s\n", e.what());
        return 1;
    }
}
