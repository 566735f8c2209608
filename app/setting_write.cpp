#include "app/setting_write.hpp"

#include <exception>

namespace fathom::app {

std::optional<QString> write_setting(storage::SettingsStore& store, const char* key, const QString& value) {
    try {
        if (value.isEmpty())
            store.remove(key);
        else
            store.set(key, value.toStdString());
        return std::nullopt;
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
}

}  // namespace fathom::app
