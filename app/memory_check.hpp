// MemoryCheck: before a checkpoint loads, how much host memory it will take (its safetensors shards are read
// into RAM) against what the system has free (/proc/meminfo MemAvailable) and the user's host budget.
#pragma once

#include <QString>

#include <optional>

namespace fathom::app {

// The sum of the folder's *.safetensors file sizes: the weights the engine reads. 0 when there are none.
qint64 checkpointBytes(const QString& folder);

// MemAvailable from a meminfo file (kB there), in bytes; nullopt when the file or the line is missing.
std::optional<qint64> availableHostBytes(const QString& meminfoPath = QStringLiteral("/proc/meminfo"));

struct MemoryVerdict {
    bool fits = true;
    qint64 needed = 0;
    std::optional<qint64> available;  // unknown off Linux
    qint64 budget = 0;                // 0: no budget set
    QString message;                  // why it does not fit, with the numbers; empty when it fits
};

// Fits when `needed` is within the budget (when set) and within what is available (when known).
MemoryVerdict checkHostMemory(qint64 needed, std::optional<qint64> available, qint64 budget);

QString memoryText(qint64 bytes);  // "1.4 GB"

}  // namespace fathom::app
