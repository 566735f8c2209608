// The UI suites' demo model: a tiny synthetic V4 checkpoint generated once per build folder with
// fathom-synth (2 blocks, so loading and generating take well under a second), found by the app through
// FATHOM_DEMO_MODEL exactly as a bundled demo model would be.
#pragma once

#include "app/logging.hpp"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QQuickStyle>
#include <QString>

namespace ui_test {

// Returns the folder, generating it when absent; an empty string and `error` set when that failed.
inline QString ensureDemoModel(QString& error) {
    const QString folder = QStringLiteral(FATHOM_TEST_DEMO_MODEL_DIR);
    if (QFileInfo::exists(folder + QStringLiteral("/config.json")) &&
        QFileInfo::exists(folder + QStringLiteral("/tokenizer.json")))
        return folder;
    const QString partial = folder + QStringLiteral(".partial");
    QDir(partial).removeRecursively();
    QProcess synth;
    synth.setProcessChannelMode(QProcess::MergedChannels);
    synth.start(QStringLiteral(FATHOM_SYNTH_PATH),
                {QStringLiteral("--preset"), QStringLiteral("tiny"), QStringLiteral("--layers"), QStringLiteral("2"),
                 QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--tokenizer"),
                 QStringLiteral(FATHOM_TOKENIZER_JSON), QStringLiteral("--out"), partial});
    if (!synth.waitForFinished(120000) || synth.exitStatus() != QProcess::NormalExit || synth.exitCode() != 0) {
        error = QStringLiteral("fathom-synth failed: ") + QString::fromUtf8(synth.readAll());
        return {};
    }
    QDir(folder).removeRecursively();
    if (!QDir().rename(partial, folder)) {
        error = QStringLiteral("cannot rename %1 to %2").arg(partial, folder);
        return {};
    }
    return folder;
}

// What a suite that talks to the demo model does first: the app's style, logging into the suite's data folder,
// the demo model generated when absent and announced through FATHOM_DEMO_MODEL. The folder, or empty and `error`.
inline QString prepareDemoSuite(const QString& dataDir, QString& error) {
    QQuickStyle::setStyle(QStringLiteral("Material"));
    fathom::app::setupLogging(dataDir);
    const QString folder = ensureDemoModel(error);
    if (!folder.isEmpty()) qputenv("FATHOM_DEMO_MODEL", folder.toUtf8());
    return folder;
}

}  // namespace ui_test
