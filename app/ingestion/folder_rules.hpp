// What a folder ingest reads and what it skips: the size limit for one file, the generated or vendored
// folders left out (node_modules, build, .git...) and file types known to be binary. Each skip has a reason.
#pragma once

#include <QString>

#include <cstdint>
#include <optional>

namespace fathom::ingestion {

struct FolderRules {
    int64_t maxFileBytes = 4 * 1024 * 1024;  // larger files are skipped before being opened
    int maxFiles = 20000;                    // beyond this the rest is listed as skipped
};

// Why a folder with this name is not walked ("generated build output"), or nullopt when it is.
std::optional<QString> skippedFolderReason(const QString& name);

// Why a file with this name is not read without looking inside ("image (.png)"), or nullopt.
std::optional<QString> skippedFileReason(const QString& name);

QString humanBytes(int64_t bytes);

}  // namespace fathom::ingestion
