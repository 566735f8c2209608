#include "app/memory_budget.hpp"

#include "app/memory_check.hpp"

#include <QtGlobal>

#include <cmath>

namespace fathom::app {

namespace {
double readGb(storage::SettingsStore& store, const char* key) {
    const auto text = store.get(key);
    if (!text) return 0;
    bool ok = false;
    const double value = QString::fromStdString(*text).toDouble(&ok);
    return ok && value > 0 ? value : 0;
}

// Two decimals are plenty for GB and keep the stored text tidy.
double tidy(double gb) { return std::round(qMax(0.0, gb) * 100.0) / 100.0; }
}  // namespace

MemoryBudget::MemoryBudget(storage::SettingsStore& store, QObject* parent) : QObject(parent), store_(store) {
    try {
        hostGb_ = readGb(store_, kHostKey);
        gpuGb_ = readGb(store_, kGpuKey);
    } catch (const std::exception& e) {
        QMetaObject::invokeMethod(this, [this, what = QString::fromUtf8(e.what())] {
            emit settingsError(QStringLiteral("Read memory budgets"), what);
        }, Qt::QueuedConnection);
    }
}

qint64 MemoryBudget::hostBudgetBytes() const { return static_cast<qint64>(hostGb_ * 1e9); }

bool MemoryBudget::save(const char* key, double gb, const QString& context) {
    try {
        if (gb <= 0)
            store_.remove(key);
        else
            store_.set(key, QString::number(gb).toStdString());
        return true;
    } catch (const std::exception& e) {
        emit settingsError(context, QString::fromUtf8(e.what()));
        return false;
    }
}

void MemoryBudget::setHostBudgetGb(double gb) {
    gb = tidy(gb);
    if (gb == hostGb_ || !save(kHostKey, gb, QStringLiteral("Save host memory budget"))) return;
    hostGb_ = gb;
    emit changed();
}

void MemoryBudget::setGpuBudgetGb(double gb) {
    gb = tidy(gb);
    if (gb == gpuGb_ || !save(kGpuKey, gb, QStringLiteral("Save GPU memory budget"))) return;
    gpuGb_ = gb;
    emit changed();
}

QString MemoryBudget::availableText() const {
    const auto available = availableHostBytes();
    return available ? QStringLiteral("%1 free now").arg(memoryText(*available)) : QStringLiteral("free memory unknown");
}

}  // namespace fathom::app
