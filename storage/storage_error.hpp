// StorageError: what failed in the database, on which file, and SQLite's own code and message.
// The kind lets the app word the problem for the user (disk full, corrupt file, locked) without parsing text.
#pragma once

#include "fathom/error.hpp"

#include <filesystem>
#include <string>

namespace fathom::storage {

enum class StorageErrorKind { disk_full, corrupt, locked, cannot_open, schema_too_new, not_found, other };

class StorageError : public fathom::Error {
public:
    StorageError(StorageErrorKind kind, std::filesystem::path path, std::string operation, int sqlite_code,
                 const std::string& detail);

    StorageErrorKind kind() const { return kind_; }
    const std::filesystem::path& path() const { return path_; }
    const std::string& operation() const { return operation_; }
    int sqlite_code() const { return sqlite_code_; }

private:
    StorageErrorKind kind_;
    std::filesystem::path path_;
    std::string operation_;
    int sqlite_code_;
};

// Maps a primary SQLite result code to the kind the app cares about.
StorageErrorKind classify_sqlite_code(int code);
const char* describe_kind(StorageErrorKind kind);

}  // namespace fathom::storage
