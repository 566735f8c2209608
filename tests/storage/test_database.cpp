// Opening, pragmas, migrations and error reporting of storage::Database on real files.
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "temp_dir.hpp"
#include "unit.hpp"

#include <fstream>

using namespace fathom::storage;
using storage_test::TempDir;

namespace {
bool table_exists(Database& db, const std::string& name) {
    Statement q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", "look up table");
    q.bind(1, name);
    q.step();
    return q.column_int64(0) == 1;
}
}  // namespace

TEST("an empty file migrates to the latest schema, in WAL mode") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    {
        std::ofstream touch(path);  // an existing, zero-byte file
    }
    Database db(path);
    CHECK_EQ(db.user_version(), latest_schema_version());
    CHECK(latest_schema_version() >= 1);
    CHECK_EQ(db.journal_mode(), std::string("wal"));
    CHECK(table_exists(db, "conversations"));
    CHECK(table_exists(db, "messages"));
    CHECK(table_exists(db, "settings"));
    CHECK_EQ(db.integrity_check(), std::string("ok"));
    Statement fk(db, "PRAGMA foreign_keys", "read foreign_keys");
    fk.step();
    CHECK_EQ(fk.column_int64(0), 1);
}

TEST("reopening after close keeps the version and does not re-run migrations") {
    TempDir dir;
    const auto path = dir.file("fathom.db");
    {
        Database db(path);
        db.exec("INSERT INTO settings(key, value) VALUES ('probe', 'kept')", "insert probe");
    }
    Database again(path);
    CHECK_EQ(again.user_version(), latest_schema_version());
    Statement q(again, "SELECT value FROM settings WHERE key = 'probe'", "read probe");
    CHECK(q.step());
    CHECK_EQ(q.column_text(0), std::string("kept"));
}

TEST("migrations apply in order, each in its own transaction; a failing step leaves the previous version") {
    TempDir dir;
    const Migration steps[] = {
        {1, "first table", "CREATE TABLE a(x INTEGER);"},
        {2, "broken step", "CREATE TABLE b(x INTEGER); INSERT INTO no_such_table VALUES (1);"},
    };
    Database db(dir.file("m.db"), OpenOptions{.migrate = false});
    CHECK_EQ(db.user_version(), 0);
    CHECK_THROWS_WITH(db.migrate(steps), "migration 2 (broken step)");
    CHECK_EQ(db.user_version(), 1);
    CHECK(table_exists(db, "a"));
    CHECK(!table_exists(db, "b"));  // rolled back with its step
    const Migration fixed[] = {steps[0], {2, "fixed step", "CREATE TABLE b(x INTEGER);"}};
    db.migrate(fixed);
    CHECK_EQ(db.user_version(), 2);
    CHECK(table_exists(db, "b"));
}

TEST("a file from a newer schema is refused, not downgraded") {
    TempDir dir;
    const auto path = dir.file("future.db");
    {
        Database db(path);
        db.exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 5), "pretend newer");
    }
    try {
        Database db(path);
        CHECK(false);
    } catch (const StorageError& e) {
        CHECK(e.kind() == StorageErrorKind::schema_too_new);
        CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
    }
}

TEST("a file that is not a database is reported as corrupt, with its path") {
    TempDir dir;
    const auto path = dir.file("garbage.db");
    {
        std::ofstream out(path, std::ios::binary);
        for (int i = 0; i < 512; ++i) out << "this is not an sqlite file ";
    }
    try {
        Database db(path);
        CHECK(false);
    } catch (const StorageError& e) {
        CHECK(e.kind() == StorageErrorKind::corrupt);
        CHECK_EQ(e.path(), path);
        CHECK(std::string(e.what()).find("garbage.db") != std::string::npos);
        CHECK(std::string(e.what()).find("corrupt") != std::string::npos);
    }
}

TEST("a folder that does not exist gives cannot_open with the path") {
    TempDir dir;
    const auto path = dir.file("missing/sub/fathom.db");
    try {
        Database db(path);
        CHECK(false);
    } catch (const StorageError& e) {
        CHECK(e.kind() == StorageErrorKind::cannot_open);
        CHECK(std::string(e.what()).find("missing/sub/fathom.db") != std::string::npos);
    }
}

TEST("a write while another connection holds the lock fails as locked") {
    TempDir dir;
    const auto path = dir.file("locked.db");
    Database holder(path);
    Database waiter(path, OpenOptions{.busy_timeout_ms = 50});
    Transaction hold(holder, "hold the write lock");
    try {
        Transaction second(waiter, "second writer");
        CHECK(false);
    } catch (const StorageError& e) {
        CHECK(e.kind() == StorageErrorKind::locked);
        CHECK(std::string(e.what()).find("second writer") != std::string::npos);
    }
}

TEST("running out of space is reported as disk full and the transaction rolls back") {
    TempDir dir;
    const auto path = dir.file("full.db");
    Database db(path);
    Statement pages(db, "PRAGMA page_count", "read page count");
    pages.step();
    // Cap the file a few pages above its size: SQLite answers SQLITE_FULL exactly as for a full disk.
    db.exec("PRAGMA max_page_count = " + std::to_string(pages.column_int64(0) + 4), "cap file size");
    const std::string big(64 * 1024, 'x');
    try {
        Transaction t(db, "insert oversized value");
        Statement insert(db, "INSERT INTO settings(key, value) VALUES ('big', ?)", "insert oversized value");
        insert.bind(1, big).run();
        t.commit();
        CHECK(false);
    } catch (const StorageError& e) {
        CHECK(e.kind() == StorageErrorKind::disk_full);
        CHECK(std::string(e.what()).find("full.db") != std::string::npos);
    }
    Statement count(db, "SELECT count(*) FROM settings WHERE key = 'big'", "count");
    count.step();
    CHECK_EQ(count.column_int64(0), 0);
    CHECK_EQ(db.integrity_check(), std::string("ok"));
}

UNIT_MAIN()
