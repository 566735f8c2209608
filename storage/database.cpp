#include "storage/database.hpp"

#include "storage/log.hpp"
#include "storage/migrations.hpp"

#include <sqlite3.h>

namespace fathom::storage {

namespace {
std::string single_text_row(Database& db, const char* sql, const std::string& operation) {
    Statement query(db, sql, operation);
    if (!query.step()) return {};
    return query.column_text(0);
}
}  // namespace

Database::Database(std::filesystem::path path, OpenOptions options) : path_(std::move(path)) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        // The handle exists even on failure (it carries the message) and must be closed.
        const std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        log()->error("open '{}' failed: {}", path_.string(), detail);
        throw StorageError(classify_sqlite_code(rc), path_, "open database", rc, detail);
    }
    try {
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, options.busy_timeout_ms);
        // The first statement reads the header: a corrupt or foreign file fails here, not later.
        const std::string mode = single_text_row(*this, "PRAGMA journal_mode=WAL", "switch to WAL journal");
        if (mode != "wal")
            throw StorageError(StorageErrorKind::other, path_, "switch to WAL journal", 0,
                               "journal_mode is '" + mode + "', expected 'wal'");
        // FULL syncs the WAL on every commit: a reported commit survives a crash of the process or the machine.
        exec("PRAGMA synchronous=FULL", "set synchronous=FULL");
        exec("PRAGMA foreign_keys=ON", "enable foreign keys");
        if (options.migrate) migrate(schema_migrations());
    } catch (...) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
    log()->info("opened '{}' (schema version {})", path_.string(), options.migrate ? latest_schema_version() : -1);
}

Database::~Database() {
    if (db_ && sqlite3_close_v2(db_) != SQLITE_OK)
        log()->warn("closing '{}' failed: {}", path_.string(), sqlite3_errmsg(db_));
}

void Database::fail(int code, const std::string& operation) const {
    const std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    log()->error("{} failed on '{}': {} (code {})", operation, path_.string(), detail, code);
    throw StorageError(classify_sqlite_code(code), path_, operation, code, detail);
}

void Database::exec(std::string_view sql, const std::string& operation) {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc, operation);
}

int Database::user_version() {
    Statement query(*this, "PRAGMA user_version", "read schema version");
    query.step();
    return static_cast<int>(query.column_int64(0));
}

std::string Database::integrity_check() { return single_text_row(*this, "PRAGMA integrity_check", "check integrity"); }

std::string Database::journal_mode() { return single_text_row(*this, "PRAGMA journal_mode", "read journal mode"); }

void Database::migrate(std::span<const Migration> steps) {
    const int known = steps.empty() ? 0 : steps.back().version;
    const int current = user_version();
    if (current > known)
        throw StorageError(StorageErrorKind::schema_too_new, path_, "migrate schema", 0,
                           "file is at version " + std::to_string(current) + ", this build knows up to " +
                               std::to_string(known) + " (written by a newer Fathom?)");
    for (const Migration& step : steps) {
        if (step.version <= current) continue;
        const std::string operation =
            "migration " + std::to_string(step.version) + " (" + step.description + ")";
        Transaction transaction(*this, operation);
        // Another process may have applied it while we waited for the write lock.
        if (user_version() >= step.version) continue;
        exec(step.sql, operation);
        exec("PRAGMA user_version = " + std::to_string(step.version), operation + ": set user_version");
        transaction.commit();
        log()->info("'{}': applied {}", path_.string(), operation);
    }
}

Statement::Statement(Database& db, std::string_view sql, std::string operation)
    : db_(db), operation_(std::move(operation)) {
    const int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) db_.fail(rc, operation_ + ": prepare");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) db_.fail(rc, operation_ + ": bind");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    const int rc = sqlite3_bind_double(stmt_, index, value);
    if (rc != SQLITE_OK) db_.fail(rc, operation_ + ": bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) db_.fail(rc, operation_ + ": bind");
    return *this;
}

Statement& Statement::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) db_.fail(rc, operation_ + ": bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail(rc, operation_);
}

void Statement::run() {
    while (step()) {
    }
}

int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

double Statement::column_double(int index) const { return sqlite3_column_double(stmt_, index); }

std::string Statement::column_text(int index) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
    return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))) : std::string();
}

bool Statement::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

Statement& Statement::bind_blob(int index, std::span<const uint8_t> bytes) {
    const int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC);
    if (rc != SQLITE_OK) db_.fail(rc, operation_ + ": bind blob");
    return *this;
}

std::span<const uint8_t> Statement::column_blob(int index) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
    return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))};
}

Transaction::Transaction(Database& db, std::string operation) : db_(db), operation_(std::move(operation)) {
    db_.exec("BEGIN IMMEDIATE", operation_ + ": begin");
}

Transaction::~Transaction() {
    if (!open_) return;
    // Rollback errors cannot be thrown from a destructor; SQLite rolls back on its own if the statement failed.
    if (sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr) != SQLITE_OK &&
        sqlite3_get_autocommit(db_.handle()) == 0)
        log()->error("{}: rollback failed on '{}': {}", operation_, db_.path().string(), sqlite3_errmsg(db_.handle()));
}

void Transaction::commit() {
    db_.exec("COMMIT", operation_ + ": commit");
    open_ = false;
}

}  // namespace fathom::storage
