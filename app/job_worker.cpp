#include "app/job_worker.hpp"

#include "app/app_log.hpp"

namespace fathom::app {

JobWorker::JobWorker(QObject* parent) : QObject(parent), executor_(new QObject) {
    thread_.setObjectName(QStringLiteral("fathom-jobs"));
    executor_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, executor_, &QObject::deleteLater);
    thread_.start();
}

JobWorker::~JobWorker() {
    // Jobs still queued are abandoned; the one running is allowed to finish.
    thread_.quit();
    thread_.wait();
}

void JobWorker::submit(const QString& description, Job job, std::function<void()> onSuccess) {
    ++pending_;
    emit pendingJobsChanged();
    QMetaObject::invokeMethod(
        executor_,
        [this, description, job = std::move(job), onSuccess = std::move(onSuccess)] {
            QString error;
            bool failed = false;
            try {
                job();
            } catch (const std::exception& e) {
                failed = true;
                error = QString::fromUtf8(e.what());
            } catch (...) {
                failed = true;
                error = QStringLiteral("unknown exception (not derived from std::exception)");
            }
            if (failed) appLog()->error("job '{}' failed: {}", description.toStdString(), error.toStdString());
            // Back to the UI thread; queued events to `this` die with it, so no dangling call after destruction.
            QMetaObject::invokeMethod(
                this, [this, description, error, failed, onSuccess] { finish(description, error, failed, onSuccess); },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void JobWorker::finish(const QString& description, const QString& error, bool failed,
                       const std::function<void()>& onSuccess) {
    --pending_;
    emit pendingJobsChanged();
    if (failed) {
        emit jobFailed(description, error);
        return;
    }
    if (onSuccess) onSuccess();
    emit jobFinished(description);
}

}  // namespace fathom::app
