// Database: one SQLite connection to a file, opened in WAL mode with foreign keys on and migrated to the
// latest schema. Statement and Transaction are thin RAII wrappers whose failures throw StorageError with context.
#pragma once

#include "storage/storage_error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace fathom::storage {

struct Migration;

struct OpenOptions {
    int busy_timeout_ms = 5000;  // how long a write waits for another connection before "locked"
    bool migrate = true;         // false only for tests that drive migrations themselves
};

class Database {
public:
    // Opens (creating if needed) the file, applies the pragmas and runs the pending migrations.
    explicit Database(std::filesystem::path path, OpenOptions options = {});
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const std::filesystem::path& path() const { return path_; }
    sqlite3* handle() const { return db_; }

    // Runs SQL that returns no rows; `operation` names it in errors ("create table messages").
    void exec(std::string_view sql, const std::string& operation);
    int user_version();
    std::string integrity_check();
    std::string journal_mode();

    // Applies every migration above the current user_version, each in its own transaction.
    void migrate(std::span<const Migration> steps);

    // Throws StorageError built from the connection's last error.
    [[noreturn]] void fail(int code, const std::string& operation) const;

private:
    std::filesystem::path path_;
    sqlite3* db_ = nullptr;
};

class Statement {
public:
    Statement(Database& db, std::string_view sql, std::string operation);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind_null(int index);
    Statement& bind_blob(int index, std::span<const uint8_t> bytes);

    // Advances one row: true when a row is available, false when done.
    bool step();
    // Runs a statement that returns no rows.
    void run();

    int64_t column_int64(int index) const;
    double column_double(int index) const;
    std::string column_text(int index) const;
    bool column_is_null(int index) const;
    std::span<const uint8_t> column_blob(int index) const;  // valid until the next step

private:
    Database& db_;
    sqlite3_stmt* stmt_ = nullptr;
    std::string operation_;
};

// BEGIN IMMEDIATE on construction (the write lock is taken up front, so "locked" surfaces here rather than
// half way through); ROLLBACK on destruction unless commit() ran.
class Transaction {
public:
    Transaction(Database& db, std::string operation);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    std::string operation_;
    bool open_ = true;
};

}  // namespace fathom::storage
