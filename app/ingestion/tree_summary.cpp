#include "app/ingestion/tree_summary.hpp"

#include <map>
#include <memory>

namespace fathom::ingestion {

namespace {
struct Node {
    std::map<QString, std::unique_ptr<Node>> folders;
    QStringList files;
    int totalFiles = 0;
};

void render(const Node& node, int depth, int maxDepth, QStringList& lines) {
    const QString indent(depth * 2, QLatin1Char(' '));
    for (const auto& [name, child] : node.folders) {
        lines << QStringLiteral("%1%2/ (%3 files)").arg(indent, name).arg(child->totalFiles);
        if (depth + 1 < maxDepth) render(*child, depth + 1, maxDepth, lines);
    }
    if (depth + 1 <= maxDepth)
        for (const QString& file : node.files) lines << indent + file;
}

int countLines(const Node& node, int depth, int maxDepth) {
    QStringList lines;
    render(node, depth, maxDepth, lines);
    return int(lines.size());
}
}  // namespace

QString treeSummary(const QString& rootName, const FolderListing& listing, int maxLines) {
    Node root;
    for (const FolderFile& file : listing.files) {
        const QStringList parts = file.relativePath.split(QLatin1Char('/'));
        Node* node = &root;
        ++root.totalFiles;
        for (int i = 0; i + 1 < parts.size(); ++i) {
            auto& child = node->folders[parts[i]];
            if (!child) child = std::make_unique<Node>();
            node = child.get();
            ++node->totalFiles;
        }
        node->files << parts.last();
    }
    // The deepest rendering that fits: full detail for small trees, folder counts only for big ones.
    int depth = 1;
    for (int d = 64; d >= 1; --d)
        if (countLines(root, 0, d) <= maxLines) { depth = d; break; }
    QStringList lines;
    lines << QStringLiteral("%1/ (%2 files read)").arg(rootName).arg(root.totalFiles);
    QStringList body;
    render(root, 0, depth, body);
    if (body.size() > maxLines) {
        const auto omitted = body.size() - maxLines;
        body = body.mid(0, maxLines);
        body << QStringLiteral("... %1 more entries").arg(omitted);
    }
    for (const QString& line : body) lines << QStringLiteral("  ") + line;
    QStringList skippedFolders;
    for (const IngestProblem& skip : listing.skipped)
        if (skip.path.endsWith(QLatin1Char('/'))) skippedFolders << skip.path;
    if (!skippedFolders.isEmpty()) lines << QStringLiteral("skipped folders: ") + skippedFolders.join(QStringLiteral(", "));
    return lines.join(QLatin1Char('\n'));
}

}  // namespace fathom::ingestion
