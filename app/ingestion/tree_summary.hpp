// The file tree shown at the top of a folder document: folders with their file counts, files listed while
// the summary stays short, skipped folders marked, so the model sees the shape of a repository at a glance.
#pragma once

#include "app/ingestion/folder_listing.hpp"

#include <QString>

namespace fathom::ingestion {

// At most `maxLines` lines; beyond that, deeper levels are folded into "(N files)" counts.
QString treeSummary(const QString& rootName, const FolderListing& listing, int maxLines = 200);

}  // namespace fathom::ingestion
