// JobWorker: runs jobs off the UI thread on one QThread, in submission order. A job that throws is logged
// with its description and reported through jobFailed (the app shows it in the error banner), never dropped.
#pragma once

#include <QObject>
#include <QString>
#include <QThread>

#include <functional>

namespace fathom::app {

class JobWorker : public QObject {
    Q_OBJECT
    Q_PROPERTY(int pendingJobs READ pendingJobs NOTIFY pendingJobsChanged)

public:
    using Job = std::function<void()>;

    explicit JobWorker(QObject* parent = nullptr);
    ~JobWorker() override;

    // `description` says what the job does ("check model folder /x"); `onSuccess` runs on the UI thread.
    void submit(const QString& description, Job job, std::function<void()> onSuccess = {});
    int pendingJobs() const { return pending_; }

signals:
    void jobFinished(const QString& description);
    void jobFailed(const QString& description, const QString& message);
    void pendingJobsChanged();

private:
    void finish(const QString& description, const QString& error, bool failed, const std::function<void()>& onSuccess);

    QThread thread_;
    QObject* executor_;  // lives on thread_; jobs are queued to it
    int pending_ = 0;
};

}  // namespace fathom::app
