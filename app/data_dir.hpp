// Where Fathom keeps its database and logs: FATHOM_DATA_DIR when set (tests, portable installs), otherwise
// QStandardPaths::AppDataLocation. This is the one place the app turns Qt paths into storage's plain paths.
#pragma once

#include <QString>

#include <filesystem>

namespace fathom::app {

// Resolves and creates the folder; throws fathom::Error naming it when it cannot be created.
QString resolveDataDir();
std::filesystem::path databasePath(const QString& dataDir);

}  // namespace fathom::app
