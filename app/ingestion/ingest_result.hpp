// What one ingest produces before it is stored: the pages (PDF) or files (folder), the problems met, and the
// document's identity. Plain data shared by the extractors, the CLI, the controller and the tests.
#pragma once

#include <QString>
#include <QStringList>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

namespace fathom::ingestion {

enum class SourceKind { pdf, folder, repository, text };
QString kindName(SourceKind kind);

struct IngestedPart {
    std::optional<int> pageNumber;  // PDFs: 1-based page number
    QString filePath;               // folders: path relative to the root, '/'-separated
    QString text;
    bool hasText = true;  // false for a scanned PDF page without a text layer
    int64_t tokenCount = 0;
};

struct IngestProblem {
    QString path;    // file path relative to the root, or "page N"
    QString reason;  // why it was skipped or what was wrong, in words a user can act on
};

struct IngestResult {
    SourceKind kind = SourceKind::text;
    QString sourcePath;   // absolute
    QString title;
    QString metadataJson = QStringLiteral("{}");
    QString contentHash;  // SHA-256 (hex) over the parts in order
    QString treeSummary;  // folders: the file tree, shown at the top of the document
    QList<IngestedPart> parts;
    QList<IngestProblem> problems;
    int64_t totalTokens = 0;
    double extractSeconds = 0, tokenizeSeconds = 0;
};

// Progress from the ingest thread: `done` of `total` units (pages or files), with what is being read.
using ProgressCallback = std::function<void(int done, int total, const QString& what)>;

// Shared between the UI thread (which sets it) and the ingest thread (which checks it between units).
using CancelFlag = std::atomic<bool>;

}  // namespace fathom::ingestion
