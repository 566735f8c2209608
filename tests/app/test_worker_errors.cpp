// Jobs on the worker thread: they run off the UI thread, success comes back on it, and an exception is
// logged and shown in the window's error banner (through the status controller), never swallowed.
#include "app/logging.hpp"
#include "fathom/error.hpp"
#include "ui_harness.hpp"

#include <QDir>
#include <QFile>
#include <QQuickStyle>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>

#include <spdlog/spdlog.h>

using ui_test::UiHarness;
using ui_test::saveScreenshot;

class WorkerErrorsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dataDir_.isValid());
        QQuickStyle::setStyle(QStringLiteral("Material"));
        fathom::app::setupLogging(dataDir_.path());
    }

    void jobRunsOffTheUiThreadAndReportsSuccess() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        std::atomic<QThread*> jobThread{nullptr};
        QThread* successThread = nullptr;
        QSignalSpy finished(&ui.context->worker(), &fathom::app::JobWorker::jobFinished);
        ui.context->worker().submit(QStringLiteral("harmless job"), [&] { jobThread = QThread::currentThread(); },
                                    [&] { successThread = QThread::currentThread(); });
        QTRY_COMPARE(finished.count(), 1);
        QVERIFY(jobThread.load() != nullptr);
        QVERIFY(jobThread.load() != QThread::currentThread());
        QCOMPARE(successThread, QThread::currentThread());
        QVERIFY(!ui.context->status().hasError());
        QCOMPARE(ui.context->worker().pendingJobs(), 0);
    }

    void exceptionInAJobShowsInTheBannerAndTheLog() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        QQuickItem* banner = ui.item("errorBanner");
        QVERIFY(banner);
        QVERIFY(!banner->isVisible());

        bool successRan = false;
        QSignalSpy failed(&ui.context->worker(), &fathom::app::JobWorker::jobFailed);
        ui.context->worker().submit(
            QStringLiteral("Index document '/data/manual.pdf'"),
            [] { throw fathom::Error("page 17: text extraction failed (expected UTF-8)"); },
            [&] { successRan = true; });
        QTRY_COMPARE(failed.count(), 1);
        QVERIFY(!successRan);
        QTRY_VERIFY(banner->isVisible());
        const QString shown = ui.item("errorBannerText")->property("text").toString();
        QVERIFY2(shown.contains(QStringLiteral("Index document '/data/manual.pdf'")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("page 17: text extraction failed")), qPrintable(shown));
        saveScreenshot(ui, QStringLiteral("error-banner.png"));

        // Dismissing hides it.
        QVERIFY(ui.click("dismissErrorButton"));
        QTRY_VERIFY(!banner->isVisible());
        QVERIFY(!ui.context->status().hasError());

        // The log file names the job and the failure.
        spdlog::get("app")->flush();
        QFile log(QDir(dataDir_.path()).filePath(QStringLiteral("logs/fathom.log")));
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QByteArray text = log.readAll();
        QVERIFY(text.contains("job 'Index document '/data/manual.pdf'' failed: page 17"));
    }

    void nonStandardExceptionIsStillReported() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.context->worker().submit(QStringLiteral("odd job"), [] { throw 42; });
        QTRY_VERIFY(ui.context->status().hasError());
        QVERIFY(ui.context->status().errorText().startsWith(QStringLiteral("odd job: unknown exception")));
    }

    void aBadModelFolderIsReportedByItsCheckJob() {
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        const QString missing = QDir(dataDir_.path()).filePath(QStringLiteral("no-such-model"));
        ui.context->settings().setModelFolder(missing);
        QTRY_VERIFY(ui.context->status().hasError());
        QVERIFY2(ui.context->status().errorText().contains(QStringLiteral("is not a folder")),
                 qPrintable(ui.context->status().errorText()));
        QVERIFY(ui.context->status().errorText().contains(missing));
        QVERIFY(ui.context->settings().modelFolderNote().isEmpty());
    }

private:
    QTemporaryDir dataDir_;
};

QTEST_MAIN(WorkerErrorsTest)
#include "test_worker_errors.moc"
