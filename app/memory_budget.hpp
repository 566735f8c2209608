// MemoryBudget: the host (RAM) and GPU memory budgets from Settings, in GB, stored in the settings table
// (0: no budget). The host budget gates loading (ModelController asks before a model that exceeds it).
#pragma once

#include "storage/settings_store.hpp"

#include <QObject>

namespace fathom::app {

class MemoryBudget : public QObject {
    Q_OBJECT
    Q_PROPERTY(double hostBudgetGb READ hostBudgetGb WRITE setHostBudgetGb NOTIFY changed)
    Q_PROPERTY(double gpuBudgetGb READ gpuBudgetGb WRITE setGpuBudgetGb NOTIFY changed)
    Q_PROPERTY(QString availableText READ availableText NOTIFY changed)

public:
    static constexpr const char* kHostKey = "memory.host_budget_gb";
    static constexpr const char* kGpuKey = "memory.gpu_budget_gb";

    explicit MemoryBudget(storage::SettingsStore& store, QObject* parent = nullptr);

    double hostBudgetGb() const { return hostGb_; }
    double gpuBudgetGb() const { return gpuGb_; }
    qint64 hostBudgetBytes() const;
    void setHostBudgetGb(double gb);
    void setGpuBudgetGb(double gb);
    // "31.2 GB free now" (MemAvailable), for the settings page.
    QString availableText() const;

signals:
    void changed();
    void settingsError(const QString& context, const QString& message);

private:
    bool save(const char* key, double gb, const QString& context);

    storage::SettingsStore& store_;
    double hostGb_ = 0, gpuGb_ = 0;
};

}  // namespace fathom::app
