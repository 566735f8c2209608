// The memory check before a load: shard sizes summed, MemAvailable parsed from a meminfo file, and the
// verdict against the budget and the free memory worded with the numbers.
#include "app/memory_check.hpp"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace fathom::app;

class MemoryCheckTest : public QObject {
    Q_OBJECT

private slots:
    void checkpointBytesSumsTheShardsOnly() {
        QTemporaryDir dir;
        const auto write = [&](const char* name, qint64 size) {
            QFile f(QDir(dir.path()).filePath(QString::fromLatin1(name)));
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.resize(size));
        };
        write("model-00001-of-00002.safetensors", 3000);
        write("model-00002-of-00002.safetensors", 500);
        write("tokenizer.json", 100000);  // not weights
        QCOMPARE(checkpointBytes(dir.path()), qint64(3500));
        QCOMPARE(checkpointBytes(QDir(dir.path()).filePath(QStringLiteral("missing"))), qint64(0));
    }

    void memAvailableIsReadInBytes() {
        QTemporaryDir dir;
        const QString path = QDir(dir.path()).filePath(QStringLiteral("meminfo"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("MemTotal:       16318156 kB\nMemFree:         1021532 kB\nMemAvailable:    9876543 kB\nBuffers: 1 kB\n");
        f.close();
        QCOMPARE(availableHostBytes(path), std::optional<qint64>(qint64(9876543) * 1024));
        QVERIFY(!availableHostBytes(QDir(dir.path()).filePath(QStringLiteral("none"))).has_value());
        // The real file on this Linux machine has the line.
        QVERIFY(availableHostBytes().value_or(0) > 0);
    }

    void verdicts() {
        const qint64 gb = 1000LL * 1000 * 1000;
        QVERIFY(checkHostMemory(2 * gb, 8 * gb, 0).fits);
        QVERIFY(checkHostMemory(2 * gb, std::nullopt, 3 * gb).fits);
        const MemoryVerdict overBudget = checkHostMemory(2 * gb, 8 * gb, 1 * gb);
        QVERIFY(!overBudget.fits);
        QVERIFY2(overBudget.message.contains(QStringLiteral("2.0 GB")) &&
                     overBudget.message.contains(QStringLiteral("budget of 1.0 GB")),
                 qPrintable(overBudget.message));
        const MemoryVerdict overFree = checkHostMemory(12 * gb, 8 * gb, 0);
        QVERIFY(!overFree.fits);
        QVERIFY2(overFree.message.contains(QStringLiteral("12.0 GB")) && overFree.message.contains(QStringLiteral("8.0 GB of memory free")),
                 qPrintable(overFree.message));
        QVERIFY(!overFree.message.contains(QStringLiteral("budget")));
    }
};

QTEST_GUILESS_MAIN(MemoryCheckTest)
#include "test_memory_check.moc"
