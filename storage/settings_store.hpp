// SettingsStore: the key/value settings table (model folder, later budgets and sampling). Values are text;
// typed accessors belong to the caller, which knows what each key means.
#pragma once

#include "storage/database.hpp"

#include <optional>
#include <string>

namespace fathom::storage {

class SettingsStore {
public:
    explicit SettingsStore(Database& db) : db_(db) {}

    std::optional<std::string> get(const std::string& key);
    std::string get_or(const std::string& key, const std::string& fallback);
    void set(const std::string& key, const std::string& value);
    void remove(const std::string& key);

private:
    Database& db_;
};

}  // namespace fathom::storage
