#include "app/ingestion/folder_rules.hpp"

#include <QFileInfo>
#include <QSet>

namespace fathom::ingestion {

std::optional<QString> skippedFolderReason(const QString& name) {
    static const QSet<QString> vcs = {".git", ".hg", ".svn"};
    static const QSet<QString> vendored = {"node_modules", "vendor", "third_party", "bower_components", ".venv",
                                           "venv", "site-packages"};
    static const QSet<QString> generated = {"build", "dist", "out", "target", "__pycache__", ".cache", ".gradle",
                                            ".next", ".tox", ".mypy_cache", ".pytest_cache", "CMakeFiles"};
    if (vcs.contains(name)) return QStringLiteral("version-control metadata");
    if (vendored.contains(name)) return QStringLiteral("vendored dependencies");
    // build-debug, cmake-build-release and the like are build trees too.
    if (generated.contains(name) || name.startsWith(QLatin1String("build-")) ||
        name.startsWith(QLatin1String("cmake-build-")))
        return QStringLiteral("generated output");
    return std::nullopt;
}

std::optional<QString> skippedFileReason(const QString& name) {
    static const QSet<QString> binary = {
        "png", "jpg", "jpeg", "gif", "bmp", "ico", "webp", "tif", "tiff", "psd", "mp3", "mp4", "wav", "ogg",
        "flac", "avi", "mov", "mkv", "webm", "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "tar", "jar",
        "o", "obj", "a", "so", "dylib", "dll", "exe", "class", "pyc", "wasm", "bin", "dat", "db", "sqlite",
        "woff", "woff2", "ttf", "otf", "eot", "safetensors", "gguf", "pt", "onnx", "npy", "npz", "deb", "rpm",
        "iso", "dmg", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt"};
    const QString suffix = QFileInfo(name).suffix().toLower();
    if (suffix == QLatin1String("pdf")) return QStringLiteral("PDF inside a folder (drop it on its own to read its pages)");
    if (binary.contains(suffix)) return QStringLiteral("binary file type (.%1)").arg(suffix);
    if (name.endsWith(QLatin1String(".min.js")) || name.endsWith(QLatin1String(".min.css")))
        return QStringLiteral("minified (generated) file");
    return std::nullopt;
}

QString humanBytes(int64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    return unit == 0 ? QStringLiteral("%1 B").arg(bytes) : QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(units[unit]);
}

}  // namespace fathom::ingestion
