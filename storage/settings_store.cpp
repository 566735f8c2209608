#include "storage/settings_store.hpp"

namespace fathom::storage {

std::optional<std::string> SettingsStore::get(const std::string& key) {
    Statement query(db_, "SELECT value FROM settings WHERE key = ?", "read setting '" + key + "'");
    query.bind(1, key);
    if (!query.step()) return std::nullopt;
    return query.column_text(0);
}

std::string SettingsStore::get_or(const std::string& key, const std::string& fallback) {
    return get(key).value_or(fallback);
}

void SettingsStore::set(const std::string& key, const std::string& value) {
    Statement upsert(db_,
                     "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     "write setting '" + key + "'");
    upsert.bind(1, key).bind(2, value).run();
}

void SettingsStore::remove(const std::string& key) {
    Statement remove(db_, "DELETE FROM settings WHERE key = ?", "remove setting '" + key + "'");
    remove.bind(1, key).run();
}

}  // namespace fathom::storage
