// Lists the files of a folder worth reading: through libgit2 when the folder is in a git work tree (tracked
// and untracked-but-not-ignored files, so .gitignore is honoured), by a plain walk otherwise. Symlinks are
// never followed, special files never opened; every file or folder left out is listed with its reason.
#pragma once

#include "app/ingestion/folder_rules.hpp"
#include "app/ingestion/ingest_result.hpp"

#include <QList>
#include <QString>

namespace fathom::ingestion {

struct FolderFile {
    QString relativePath;  // '/'-separated, from the dropped folder
    QString absolutePath;
    int64_t size = 0;
};

struct FolderListing {
    bool fromRepository = false;
    QString repositoryDescription;  // "git work tree at /x, HEAD abc1234 (main)" or empty
    QList<FolderFile> files;        // sorted by path
    QList<IngestProblem> skipped;
};

// Throws fathom::Error when `root` is not a readable folder, fathom::Cancelled when `cancel` is set.
FolderListing listFolder(const QString& root, const FolderRules& rules, const CancelFlag* cancel = nullptr);

// The shared per-file check of both listings: nullopt when the file is to be read, else the reason.
// `absolutePath` is examined without following symlinks.
std::optional<QString> fileSkipReason(const QString& root, const QString& absolutePath, const FolderRules& rules,
                                      int64_t* size);

namespace detail {
// The libgit2 listing; false when `root` is not inside a git work tree (the caller then walks).
bool listRepository(const QString& root, const FolderRules& rules, const CancelFlag* cancel, FolderListing& out);
}  // namespace detail

}  // namespace fathom::ingestion
