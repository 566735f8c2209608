// Folders and repositories: what is read, what is skipped and why. Symlink loops, links out of the tree, a
// 2 GB sparse file, binaries, special files, unreadable files and invalid UTF-8; .gitignore through libgit2.
#include "app/ingestion/folder_listing.hpp"
#include "app/ingestion/ingester.hpp"
#include "fathom/error.hpp"
#include "ingestion_test_support.hpp"
#include "unit.hpp"

#include <QElapsedTimer>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

using namespace fathom::ingestion;
using namespace ingestion_test;
namespace fs = std::filesystem;

namespace {
QString reasonFor(const QList<IngestProblem>& problems, const QString& path) {
    for (const IngestProblem& p : problems)
        if (p.path == path) return p.reason;
    return {};
}
bool hasPart(const IngestResult& r, const QString& path) {
    for (const IngestedPart& p : r.parts)
        if (p.filePath == path) return true;
    return false;
}
fs::path fsPath(const QString& s) { return fs::path(s.toStdString()); }
}  // namespace

TEST("a plain folder: sources read, vendored and generated folders, binaries and oversize files skipped with reasons") {
    application();
    QTemporaryDir dir;
    const QString root = dir.filePath("project");
    writeFile(root + "/src/main.cpp", "int main() { return 0; }\n");
    writeFile(root + "/README.md", "# Project\n");
    writeFile(root + "/node_modules/lib/index.js", "module.exports = 1;\n");
    writeFile(root + "/build-debug/out.txt", "generated\n");
    writeFile(root + "/logo.png", QByteArray("\x89PNG\r\n\x1a\n", 8));
    writeFile(root + "/data.weird", QByteArray("abc\0def", 7));
    writeFile(root + "/latin1.txt", QByteArray("caf\xE9\n"));
    writeFile(root + "/empty.txt", QByteArray());
    // 2 GB, sparse: skipped from its size alone, so quickly and without reading it.
    writeFile(root + "/huge.log", QByteArray());
    fs::resize_file(fsPath(root + "/huge.log"), 2ull * 1024 * 1024 * 1024);
    QElapsedTimer timer;
    timer.start();
    const IngestResult r = ingestPath(root, IngestOptions{});
    CHECK(timer.elapsed() < 2000);
    CHECK(r.kind == SourceKind::folder);
    CHECK(hasPart(r, "src/main.cpp"));
    CHECK(hasPart(r, "README.md"));
    CHECK(hasPart(r, "latin1.txt"));
    CHECK_EQ(r.parts.size(), qsizetype(3));
    CHECK(reasonFor(r.problems, "node_modules/").contains("vendored"));
    CHECK(reasonFor(r.problems, "build-debug/").contains("generated"));
    CHECK(reasonFor(r.problems, "logo.png").contains("binary file type"));
    CHECK(reasonFor(r.problems, "data.weird").contains("binary file"));
    CHECK(reasonFor(r.problems, "huge.log").contains("2.0 GiB"));
    CHECK(reasonFor(r.problems, "latin1.txt").contains("Latin-1"));
    CHECK(reasonFor(r.problems, "empty.txt").contains("empty"));
    CHECK(r.treeSummary.contains("src/ (1 files)"));
    CHECK(r.treeSummary.contains("node_modules/"));
    for (const IngestedPart& p : r.parts)
        if (p.filePath == "latin1.txt") CHECK_EQ(p.text, QString::fromUtf8("café\n"));
}

TEST("symlinks are never followed: loops, links out of the tree and links inside it are each reported") {
    application();
    QTemporaryDir dir;
    const QString root = dir.filePath("tree");
    const QString outside = dir.filePath("outside");
    writeFile(root + "/a.txt", "inside\n");
    writeFile(outside + "/secret.txt", "must not be read\n");
    fs::create_directory_symlink("..", fsPath(root + "/up"));          // a loop back to the root's parent
    fs::create_symlink("loop2", fsPath(root + "/loop1"));              // loop1 -> loop2 -> loop1
    fs::create_symlink("loop1", fsPath(root + "/loop2"));
    fs::create_directory_symlink(fsPath(outside), fsPath(root + "/out"));
    fs::create_symlink("a.txt", fsPath(root + "/alias.txt"));
    const IngestResult r = ingestPath(root, IngestOptions{});
    CHECK_EQ(r.parts.size(), qsizetype(1));
    CHECK(hasPart(r, "a.txt"));
    CHECK(reasonFor(r.problems, "loop1").contains("cannot be resolved"));
    CHECK(reasonFor(r.problems, "out").contains("outside the folder"));
    CHECK(reasonFor(r.problems, "up").contains("outside the folder"));
    CHECK(reasonFor(r.problems, "alias.txt").contains("inside the folder"));
    for (const IngestedPart& p : r.parts) CHECK(!p.text.contains("must not be read"));
}

TEST("unreadable files and special files are reported, never opened or read as empty") {
    application();
    QTemporaryDir dir;
    const QString root = dir.filePath("perm");
    writeFile(root + "/ok.txt", "fine\n");
    writeFile(root + "/locked.txt", "private\n");
    ::chmod((root + "/locked.txt").toLocal8Bit().constData(), 0);
    CHECK_EQ(::mkfifo((root + "/pipe").toLocal8Bit().constData(), 0600), 0);  // opening it would block forever
    const IngestResult r = ingestPath(root, IngestOptions{});
    CHECK(reasonFor(r.problems, "pipe").contains("not a regular file"));
    if (::geteuid() == 0) {
        // Root reads mode-000 files, so chmod cannot make one unreadable here; the test says so and checks
        // the other way to fail an open: a file listed and then removed before it is read.
        std::fprintf(stderr, "  note: running as root, chmod 000 does not stop reads; checking a vanished file instead\n");
        CHECK(hasPart(r, "locked.txt"));
        const FolderListing listing = listFolder(root, FolderRules{});
        const auto locked = std::find_if(listing.files.begin(), listing.files.end(),
                                         [](const FolderFile& f) { return f.relativePath == "locked.txt"; });
        CHECK(locked != listing.files.end());
        if (locked == listing.files.end()) return;
        ::unlink(locked->absolutePath.toLocal8Bit().constData());
        QList<IngestProblem> problems;
        CHECK(!readTextPart(locked->absolutePath, locked->relativePath, problems).has_value());
        CHECK_EQ(problems.size(), qsizetype(1));
        CHECK(problems.value(0).reason.contains("cannot open"));
    } else {
        CHECK(!hasPart(r, "locked.txt"));
        CHECK(reasonFor(r.problems, "locked.txt").contains("cannot open"));
    }
}

TEST("a git repository: tracked and untracked files read, .gitignore honoured, tracked vendor folder skipped") {
    application();
    QTemporaryDir dir;
    const QString root = dir.filePath("repo");
    writeFile(root + "/src/lib.cpp", "int f() { return 1; }\n");
    writeFile(root + "/vendor/dep.h", "#pragma once\n");
    writeFile(root + "/.gitignore", "*.log\nsecrets/\n");
    writeFile(root + "/debug.log", "ignored\n");
    writeFile(root + "/secrets/key.txt", "ignored too\n");
    const std::string git = "cd '" + root.toStdString() + "' && git init -q && git add -f src vendor .gitignore && "
                            "git -c user.email=t@t -c user.name=t commit -qm init";
    CHECK_EQ(std::system(git.c_str()), 0);
    writeFile(root + "/notes.md", "untracked but not ignored\n");
    const IngestResult r = ingestPath(root, IngestOptions{});
    CHECK(r.kind == SourceKind::repository);
    CHECK(hasPart(r, "src/lib.cpp"));
    CHECK(hasPart(r, ".gitignore"));
    CHECK(hasPart(r, "notes.md"));
    CHECK(!hasPart(r, "debug.log"));
    CHECK(!hasPart(r, "secrets/key.txt"));
    CHECK(reasonFor(r.problems, "vendor/").contains("vendored dependencies (1 files)"));
    CHECK(r.metadataJson.contains("HEAD"));
    // A subfolder of the repository lists only its own files, relative to itself.
    const IngestResult sub = ingestPath(root + "/src", IngestOptions{});
    CHECK_EQ(sub.parts.size(), qsizetype(1));
    CHECK(hasPart(sub, "lib.cpp"));
}

TEST("a path that does not exist is an error naming it, and cancel stops a walk") {
    application();
    CHECK_THROWS_WITH(ingestPath("/no/such/place", IngestOptions{}), "/no/such/place");
    QTemporaryDir dir;
    for (int i = 0; i < 600; ++i) writeFile(dir.filePath(QStringLiteral("many/f%1.txt").arg(i)), "x\n");
    CancelFlag cancel{true};
    bool cancelled = false;
    try {
        ingestPath(dir.filePath("many"), IngestOptions{}, {}, &cancel);
    } catch (const fathom::Cancelled&) {
        cancelled = true;
    }
    CHECK(cancelled);
}

UNIT_MAIN()
