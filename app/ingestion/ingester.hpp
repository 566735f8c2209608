// Ingests one dropped path: a PDF (through the worker process), a folder or repository, or a text file.
// Returns everything to store, with per-file problems and token counts; runs on the caller's thread.
#pragma once

#include "app/ingestion/folder_rules.hpp"
#include "app/ingestion/ingest_result.hpp"
#include "app/ingestion/pdf_extractor.hpp"

namespace fathom {
class Tokenizer;
}

namespace fathom::ingestion {

struct IngestOptions {
    FolderRules folder;
    PdfOptions pdf;
    const fathom::Tokenizer* tokenizer = nullptr;  // null: tokens are not counted (tokenCount stays 0)
    int tokenThreads = 0;                          // 0: one per hardware thread
};

// Throws fathom::Error when the path cannot be read at all, fathom::Cancelled when `cancel` is set.
IngestResult ingestPath(const QString& path, const IngestOptions& options, const ProgressCallback& progress = {},
                        const CancelFlag* cancel = nullptr);

// Reads and decodes one file of a folder; nullopt, with the reason appended to `problems`, when it cannot be
// opened or read, is empty or is binary. A decoding note (Latin-1...) is appended but the part is returned.
std::optional<IngestedPart> readTextPart(const QString& absolutePath, const QString& relativePath,
                                         QList<IngestProblem>& problems);

// Counts each part's tokens in parallel and fills totalTokens and tokenizeSeconds.
void countTokens(IngestResult& result, const fathom::Tokenizer& tokenizer, int threads, const CancelFlag* cancel);

}  // namespace fathom::ingestion
