#include "app/ingestion/folder_listing.hpp"

#include "fathom/error.hpp"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace fs = std::filesystem;

namespace fathom::ingestion {

namespace {
fs::path toPath(const QString& s) { return fs::path(s.toStdString()); }
QString fromPath(const fs::path& p) { return QString::fromStdString(p.string()); }

bool isInside(const fs::path& root, const fs::path& target) {
    const auto [rootEnd, _] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
    return rootEnd == root.end();
}

QString symlinkReason(const fs::path& canonicalRoot, const fs::path& link) {
    std::error_code error;
    const fs::path target = fs::canonical(link, error);
    if (error) return QStringLiteral("symlink that cannot be resolved (%1): not followed").arg(QString::fromStdString(error.message()));
    if (!isInside(canonicalRoot, target)) return QStringLiteral("symlink pointing outside the folder (to %1): not followed").arg(fromPath(target));
    return QStringLiteral("symlink to %1 inside the folder: read where it lives, not twice").arg(fromPath(target.lexically_relative(canonicalRoot)));
}

void walk(const QString& root, const FolderRules& rules, const CancelFlag* cancel, FolderListing& out) {
    const fs::path rootPath = toPath(root);
    std::error_code error;
    const fs::path canonicalRoot = fs::canonical(rootPath, error);
    // Directory symlinks are not followed (no follow_directory_symlink), so a symlink loop cannot recurse.
    fs::recursive_directory_iterator it(rootPath, fs::directory_options::none, error), end;
    if (error) throw fathom::Error("cannot list folder '" + root.toStdString() + "': " + error.message());
    int seen = 0;
    for (; it != end; it.increment(error)) {
        if (error) {
            out.skipped.append({fromPath(it->path().lexically_relative(rootPath)), QStringLiteral("cannot list: %1").arg(QString::fromStdString(error.message()))});
            error.clear();
            continue;
        }
        if (cancel && (++seen & 255) == 0 && cancel->load()) throw fathom::Cancelled();
        const fs::directory_entry& entry = *it;
        const QString relative = fromPath(entry.path().lexically_relative(rootPath).generic_string());
        const fs::file_status status = entry.symlink_status(error);
        if (!error && fs::is_directory(status)) {
            if (auto reason = skippedFolderReason(QString::fromStdString(entry.path().filename().string()))) {
                out.skipped.append({relative + QLatin1Char('/'), *reason});
                it.disable_recursion_pending();
            }
            continue;
        }
        if (out.files.size() >= rules.maxFiles) {
            out.skipped.append({relative, QStringLiteral("over the limit of %1 files for one folder").arg(rules.maxFiles)});
            continue;
        }
        int64_t size = 0;
        const QString absolute = fromPath(entry.path());
        if (auto reason = fileSkipReason(fromPath(canonicalRoot), absolute, rules, &size))
            out.skipped.append({relative, *reason});
        else
            out.files.append({relative, absolute, size});
    }
}
}  // namespace

std::optional<QString> fileSkipReason(const QString& root, const QString& absolutePath, const FolderRules& rules,
                                      int64_t* size) {
    std::error_code error;
    const fs::path path = toPath(absolutePath);
    const fs::file_status status = fs::symlink_status(path, error);
    if (error || !fs::exists(status)) return QStringLiteral("missing from the working tree");
    if (fs::is_symlink(status)) return symlinkReason(toPath(root), path);
    if (!fs::is_regular_file(status))
        return QStringLiteral("not a regular file (device, pipe or socket): never opened");
    const auto bytes = fs::file_size(path, error);
    if (error) return QStringLiteral("cannot read its size: %1").arg(QString::fromStdString(error.message()));
    if (size) *size = int64_t(bytes);
    if (int64_t(bytes) > rules.maxFileBytes)
        return QStringLiteral("%1, over the %2 limit for one file").arg(humanBytes(int64_t(bytes)), humanBytes(rules.maxFileBytes));
    return skippedFileReason(QString::fromStdString(path.filename().string()));
}

FolderListing listFolder(const QString& root, const FolderRules& rules, const CancelFlag* cancel) {
    const QFileInfo info(root);
    if (!info.exists()) throw fathom::Error("folder '" + root.toStdString() + "' does not exist");
    if (!info.isDir()) throw fathom::Error("'" + root.toStdString() + "' is not a folder");
    FolderListing out;
    if (!detail::listRepository(info.absoluteFilePath(), rules, cancel, out)) walk(info.absoluteFilePath(), rules, cancel, out);
    std::sort(out.files.begin(), out.files.end(),
              [](const FolderFile& a, const FolderFile& b) { return a.relativePath < b.relativePath; });
    return out;
}

}  // namespace fathom::ingestion
