// Reads a PDF through fathom-pdf-worker in a child process (QProcess, JSON lines on its stdout) so a PDF that
// crashes or hangs poppler costs that process only. The child is killed on cancel or when it goes silent.
#pragma once

#include "app/ingestion/ingest_result.hpp"

#include <QString>

namespace fathom::ingestion {

struct PdfOptions {
    QString workerPath;           // empty: fathom-pdf-worker beside the running executable, or $FATHOM_PDF_WORKER
    int silenceTimeoutMs = 15000; // no page for this long: the parser is taken as hung and killed
    int totalTimeoutMs = 300000;  // the whole document
};

QString defaultPdfWorkerPath();

// Returns the pages (text per page, scanned pages flagged) and metadata; pages read before a crash are kept and
// the crash is listed as a problem. Throws fathom::Error when no page could be read (with poppler's reason or
// the timeout), fathom::Cancelled on cancel. Blocking: call it from the ingest thread.
IngestResult extractPdf(const QString& path, const PdfOptions& options, const ProgressCallback& progress,
                        const CancelFlag* cancel);

}  // namespace fathom::ingestion
