// Writes an ingest into the database as one document (pages or files and problems, one transaction) and
// reads stored documents back in the shape the prompt builder and the citation linker use.
#pragma once

#include "app/ingestion/ingest_result.hpp"
#include "storage/document_store.hpp"

namespace fathom::ingestion {

// Returns the new document's id. The file tree summary goes into the metadata JSON under "tree".
int64_t storeIngest(storage::DocumentStore& store, const IngestResult& result);

}  // namespace fathom::ingestion
