#include "app/ingestion/ingest_storage.hpp"

#include <QJsonDocument>
#include <QJsonObject>

namespace fathom::ingestion {

int64_t storeIngest(storage::DocumentStore& store, const IngestResult& result) {
    storage::Document document;
    document.source_path = result.sourcePath.toStdString();
    document.kind = kindName(result.kind).toStdString();
    document.content_hash = result.contentHash.toStdString();
    document.title = result.title.toStdString();
    QJsonObject meta = QJsonDocument::fromJson(result.metadataJson.toUtf8()).object();
    if (!result.treeSummary.isEmpty()) meta.insert("tree", result.treeSummary);
    document.metadata = QJsonDocument(meta).toJson(QJsonDocument::Compact).toStdString();
    document.token_count = result.totalTokens;

    std::vector<storage::DocumentPage> pages;
    pages.reserve(size_t(result.parts.size()));
    for (const IngestedPart& part : result.parts) {
        storage::DocumentPage page;
        if (part.pageNumber) page.page_number = *part.pageNumber;
        else page.file_path = part.filePath.toStdString();
        page.text = part.text.toStdString();
        page.token_count = part.tokenCount;
        page.has_text = part.hasText;
        pages.push_back(std::move(page));
    }
    std::vector<storage::DocumentProblem> problems;
    for (const IngestProblem& problem : result.problems)
        problems.push_back({problem.path.toStdString(), problem.reason.toStdString()});
    return store.add_document(std::move(document), pages, problems);
}

}  // namespace fathom::ingestion
