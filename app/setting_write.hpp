// Writing one setting for the app's settings objects: an empty value removes the key, a storage failure comes
// back as its message (the caller shows it), never as an exception into QML.
#pragma once

#include "storage/settings_store.hpp"

#include <QString>
#include <optional>

namespace fathom::app {

// The error text when the write failed, else nothing.
std::optional<QString> write_setting(storage::SettingsStore& store, const char* key, const QString& value);

}  // namespace fathom::app
