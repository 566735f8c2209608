#include "app/memory_check.hpp"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QStringList>

namespace fathom::app {

qint64 checkpointBytes(const QString& folder) {
    qint64 total = 0;
    const QFileInfoList shards =
        QDir(folder).entryInfoList({QStringLiteral("*.safetensors")}, QDir::Files | QDir::Readable, QDir::Name);
    for (const QFileInfo& shard : shards) total += shard.size();
    return total;
}

std::optional<qint64> availableHostBytes(const QString& meminfoPath) {
    QFile meminfo(meminfoPath);
    if (!meminfo.open(QIODevice::ReadOnly)) return std::nullopt;
    for (const QByteArray& line : meminfo.readAll().split('\n')) {
        if (!line.startsWith("MemAvailable:")) continue;
        const QList<QByteArray> fields = line.simplified().split(' ');  // "MemAvailable:", value, "kB"
        bool ok = false;
        const qint64 kb = fields.size() >= 2 ? fields[1].toLongLong(&ok) : 0;
        if (ok) return kb * 1024;
    }
    return std::nullopt;
}

QString memoryText(qint64 bytes) { return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat); }

MemoryVerdict checkHostMemory(qint64 needed, std::optional<qint64> available, qint64 budget) {
    MemoryVerdict verdict{true, needed, available, budget, {}};
    QStringList reasons;
    if (budget > 0 && needed > budget)
        reasons << QStringLiteral("more than your host memory budget of %1 (Settings)").arg(memoryText(budget));
    if (available && needed > *available)
        reasons << QStringLiteral("more than the %1 of memory free now").arg(memoryText(*available));
    if (reasons.isEmpty()) return verdict;
    verdict.fits = false;
    verdict.message = QStringLiteral("This model needs about %1 of memory for its weights, %2. Loading it anyway "
                                     "may make the computer swap or the app be stopped by the system.")
                          .arg(memoryText(needed), reasons.join(QStringLiteral(" and ")));
    return verdict;
}

}  // namespace fathom::app
