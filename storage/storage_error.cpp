#include "storage/storage_error.hpp"

#include <sqlite3.h>

namespace fathom::storage {

namespace {
std::string compose(StorageErrorKind kind, const std::filesystem::path& path, const std::string& operation,
                    int code, const std::string& detail) {
    std::string text = "storage: " + operation + " failed on '" + path.string() + "'";
    text += " (" + std::string(describe_kind(kind));
    if (code != 0) text += ", sqlite code " + std::to_string(code);
    text += ")";
    if (!detail.empty()) text += ": " + detail;
    return text;
}
}  // namespace

StorageError::StorageError(StorageErrorKind kind, std::filesystem::path path, std::string operation,
                           int sqlite_code, const std::string& detail)
    : fathom::Error(compose(kind, path, operation, sqlite_code, detail)),
      kind_(kind),
      path_(std::move(path)),
      operation_(std::move(operation)),
      sqlite_code_(sqlite_code) {}

StorageErrorKind classify_sqlite_code(int code) {
    switch (code & 0xff) {
        case SQLITE_FULL: return StorageErrorKind::disk_full;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: return StorageErrorKind::corrupt;
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return StorageErrorKind::locked;
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
        case SQLITE_READONLY: return StorageErrorKind::cannot_open;
        default: return StorageErrorKind::other;
    }
}

const char* describe_kind(StorageErrorKind kind) {
    switch (kind) {
        case StorageErrorKind::disk_full: return "disk full";
        case StorageErrorKind::corrupt: return "database file is corrupt or not a database";
        case StorageErrorKind::locked: return "database is locked by another connection";
        case StorageErrorKind::cannot_open: return "cannot open or write the file";
        case StorageErrorKind::schema_too_new: return "schema is newer than this build";
        case StorageErrorKind::not_found: return "no such record";
        case StorageErrorKind::other: return "sqlite error";
    }
    return "sqlite error";
}

}  // namespace fathom::storage
