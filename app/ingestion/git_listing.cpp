// The libgit2 side of folder listing: the index gives the tracked files, a status walk the untracked ones
// that .gitignore does not exclude. Files under vendored or generated folders are grouped into one skip each.
#include "app/ingestion/folder_listing.hpp"

#include "fathom/error.hpp"

#include <QDir>
#include <QMap>

#include <git2.h>

#include <memory>

namespace fathom::ingestion::detail {

namespace {
struct LibGit {
    LibGit() { git_libgit2_init(); }
    ~LibGit() { git_libgit2_shutdown(); }
};

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Repository = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using Index = std::unique_ptr<git_index, Deleter<git_index, git_index_free>>;
using StatusList = std::unique_ptr<git_status_list, Deleter<git_status_list, git_status_list_free>>;
using Reference = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;

std::string lastGitError() {
    const git_error* e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

QString describeHead(git_repository* repo, const QString& workdir) {
    git_reference* raw = nullptr;
    if (git_repository_head(&raw, repo) != 0) return QStringLiteral("git work tree at %1 (no commit yet)").arg(workdir);
    Reference head(raw);
    const git_oid* oid = git_reference_target(head.get());
    char hex[GIT_OID_HEXSZ + 1] = {};
    if (oid) git_oid_tostr(hex, sizeof hex, oid);
    return QStringLiteral("git work tree at %1, HEAD %2 (%3)")
        .arg(workdir, QString::fromLatin1(hex).left(10), QString::fromUtf8(git_reference_shorthand(head.get())));
}

// The first folder on the path that the rules skip, as "vendor/", with its reason.
std::optional<std::pair<QString, QString>> skippedAncestor(const QString& relative) {
    const QStringList parts = relative.split(QLatin1Char('/'));
    QString prefix;
    for (int i = 0; i + 1 < parts.size(); ++i) {
        prefix += parts[i] + QLatin1Char('/');
        if (auto reason = skippedFolderReason(parts[i])) return std::make_pair(prefix, *reason);
    }
    return std::nullopt;
}
}  // namespace

bool listRepository(const QString& root, const FolderRules& rules, const CancelFlag* cancel, FolderListing& out) {
    static LibGit libgit;
    git_repository* raw = nullptr;
    const QByteArray rootBytes = QDir::cleanPath(root).toUtf8();
    if (git_repository_open_ext(&raw, rootBytes.constData(), 0, nullptr) != 0) return false;
    Repository repo(raw);
    const char* workdirC = git_repository_workdir(repo.get());
    if (!workdirC) return false;  // bare repository: nothing checked out to read
    const QString workdir = QDir::cleanPath(QString::fromUtf8(workdirC));
    const QString canonicalRoot = QDir(root).canonicalPath();
    QString prefix = QDir(QDir(workdir).canonicalPath()).relativeFilePath(canonicalRoot);
    prefix = (prefix == QLatin1String(".")) ? QString() : prefix + QLatin1Char('/');

    QStringList paths;
    git_index* rawIndex = nullptr;
    if (git_repository_index(&rawIndex, repo.get()) != 0)
        throw fathom::Error("cannot read the git index of '" + workdir.toStdString() + "': " + lastGitError());
    Index index(rawIndex);
    QMap<QString, int> submodules;
    for (size_t i = 0, n = git_index_entrycount(index.get()); i < n; ++i) {
        const git_index_entry* entry = git_index_get_byindex(index.get(), i);
        const QString path = QString::fromUtf8(entry->path);
        if (!path.startsWith(prefix)) continue;
        if (git_index_entry_stage(entry) != 0 && paths.contains(path)) continue;  // conflict stages: once
        if (entry->mode == GIT_FILEMODE_COMMIT) {
            out.skipped.append({path.mid(prefix.size()), QStringLiteral("git submodule (not checked into this repository)")});
            continue;
        }
        paths.append(path);
    }
    git_status_options options = GIT_STATUS_OPTIONS_INIT;
    options.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
    options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
    QByteArray pathspec = prefix.toUtf8() + '*';
    char* pathspecC = pathspec.data();
    if (!prefix.isEmpty()) options.pathspec = {&pathspecC, 1};
    git_status_list* rawStatus = nullptr;
    if (git_status_list_new(&rawStatus, repo.get(), &options) != 0)
        throw fathom::Error("cannot read the git status of '" + workdir.toStdString() + "': " + lastGitError());
    StatusList status(rawStatus);
    for (size_t i = 0, n = git_status_list_entrycount(status.get()); i < n; ++i) {
        const git_status_entry* entry = git_status_byindex(status.get(), i);
        if (entry->status == GIT_STATUS_WT_NEW && entry->index_to_workdir && entry->index_to_workdir->new_file.path) {
            const QString path = QString::fromUtf8(entry->index_to_workdir->new_file.path);
            if (path.startsWith(prefix)) paths.append(path);
        }
    }

    out.fromRepository = true;
    out.repositoryDescription = describeHead(repo.get(), workdir);
    QMap<QString, std::pair<QString, int>> skippedFolders;  // "vendor/" -> (reason, files)
    int seen = 0;
    for (const QString& path : paths) {
        if (cancel && (++seen & 255) == 0 && cancel->load()) throw fathom::Cancelled();
        const QString relative = path.mid(prefix.size());
        if (auto folder = skippedAncestor(relative)) {
            auto& slot = skippedFolders[folder->first];
            slot.first = folder->second;
            ++slot.second;
            continue;
        }
        if (out.files.size() >= rules.maxFiles) {
            out.skipped.append({relative, QStringLiteral("over the limit of %1 files for one folder").arg(rules.maxFiles)});
            continue;
        }
        const QString absolute = workdir + QLatin1Char('/') + path;
        int64_t size = 0;
        if (auto reason = fileSkipReason(canonicalRoot, absolute, rules, &size))
            out.skipped.append({relative, *reason});
        else
            out.files.append({relative, absolute, size});
    }
    for (auto it = skippedFolders.cbegin(); it != skippedFolders.cend(); ++it)
        out.skipped.append({it.key(), QStringLiteral("%1 (%2 files)").arg(it.value().first).arg(it.value().second)});
    return true;
}

}  // namespace fathom::ingestion::detail
