#include "app/data_dir.hpp"

#include "fathom/error.hpp"

#include <QDir>
#include <QStandardPaths>

namespace fathom::app {

QString resolveDataDir() {
    QString dir = qEnvironmentVariable("FATHOM_DATA_DIR");
    if (dir.isEmpty()) dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty()) throw fathom::Error("data folder: QStandardPaths has no AppDataLocation and FATHOM_DATA_DIR is unset");
    if (!QDir().mkpath(dir)) throw fathom::Error("data folder: cannot create '" + dir.toStdString() + "'");
    return QDir(dir).absolutePath();
}

std::filesystem::path databasePath(const QString& dataDir) {
    return std::filesystem::path(QDir(dataDir).filePath(QStringLiteral("fathom.db")).toStdString());
}

}  // namespace fathom::app
