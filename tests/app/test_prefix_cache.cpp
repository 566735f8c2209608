// The engine worker's prefix cache as the app uses it: a long prompt is read once, its snapshot stored in the
// database in the background, and after a restart the same prompt starts from the stored prefix with the same reply.
#include "app/engine_worker.hpp"
#include "demo_model_fixture.hpp"
#include "storage/database.hpp"
#include "storage/prefix_cache_store.hpp"

#include <QTemporaryDir>
#include <QtTest>

using namespace fathom::app;

class PrefixCacheTest : public QObject {
    Q_OBJECT

private:
    struct Run {
        QString answer;
        qint64 stored = -1, restored = -1;
        qint64 promptTokens = 0;
    };

    Run generateOnce(const QString& model, const QString& db, const GenerationRequest& request, bool waitForStore) {
        Run run;
        EngineWorker worker;
        worker.setPrefixCache(db, qint64{1} << 30);
        bool loaded = false, finished = false;
        QString failure;
        connect(&worker, &EngineWorker::modelLoaded, this, [&] { loaded = true; });
        connect(&worker, &EngineWorker::loadFailed, this, [&](int, const QString& m, bool) { failure = m; });
        connect(&worker, &EngineWorker::generationFinished, this, [&](const GenerationResult& r) {
            run.answer = r.answer;
            run.promptTokens = r.promptTokens;
            finished = true;
        });
        connect(&worker, &EngineWorker::generationFailed, this, [&](const QString& m) { failure = m; });
        connect(&worker, &EngineWorker::prefixStored, this, [&](qint64 n) { run.stored = n; });
        connect(&worker, &EngineWorker::prefixRestored, this, [&](qint64 n) { run.restored = n; });
        worker.load(model);
        [&] { QTRY_VERIFY_WITH_TIMEOUT(loaded || !failure.isEmpty(), 60000); }();
        if (!failure.isEmpty()) qWarning("load failed: %s", qPrintable(failure));
        worker.generate(request);
        [&] { QTRY_VERIFY_WITH_TIMEOUT(finished || !failure.isEmpty(), 120000); }();
        if (waitForStore) [&] { QTRY_VERIFY_WITH_TIMEOUT(run.stored >= 0, 60000); }();
        if (!failure.isEmpty()) qWarning("generation failed: %s", qPrintable(failure));
        return run;
    }

private slots:
    void aLongPromptIsStoredThenRestoredAfterARestart() {
        QString error;
        const QString model = ui_test::ensureDemoModel(error);
        QVERIFY2(!model.isEmpty(), qPrintable(error));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString db = dir.filePath(QStringLiteral("fathom.db"));
        { fathom::storage::Database create(db.toStdString()); }

        GenerationRequest request;
        QString document;
        for (int i = 0; i < 60; ++i) document += QStringLiteral("Paragraph %1 of a long report about tidal power stations. ").arg(i);
        request.turns = {{QStringLiteral("user"), document + QStringLiteral("\nSummarise it."), QString()}};
        request.temperature = 0.0;  // greedy: both runs must answer alike
        request.maxNewTokens = 6;

        const Run first = generateOnce(model, db, request, /*waitForStore=*/true);
        QVERIFY(first.promptTokens > 256);
        QCOMPARE(first.restored, qint64{-1});
        QCOMPARE(first.stored, first.promptTokens - 1);  // everything but the token whose logits start the reply

        const Run second = generateOnce(model, db, request, /*waitForStore=*/false);
        QCOMPARE(second.restored, first.stored);
        QCOMPARE(second.answer, first.answer);
    }
};

QTEST_MAIN(PrefixCacheTest)
#include "test_prefix_cache.moc"
