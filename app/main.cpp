// Fathom's entry point: resolve the data folder, start logging, open the database, show the main window.
// A database that cannot be opened (corrupt, locked, unwritable) gets a window that says so, not a crash.
#include "app/app_context.hpp"
#include "app/app_log.hpp"
#include "app/data_dir.hpp"
#include "app/logging.hpp"

#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickStyle>

#include <cstdio>
#include <memory>

namespace {

int showStartupError(QGuiApplication& app, const QString& message) {
    QQmlApplicationEngine engine;
    engine.rootContext()->setContextProperty(QStringLiteral("startupError"), message);
    engine.loadData(R"qml(
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
ApplicationWindow {
    visible: true; width: 640; height: 260; title: "Fathom cannot start"
    ColumnLayout {
        anchors.fill: parent; anchors.margins: 24; spacing: 16
        Label { text: "Fathom could not open its data"; font.pixelSize: 20; font.bold: true }
        Label { objectName: "startupErrorText"; text: startupError; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Button { text: "Quit"; onClicked: Qt.quit(); Layout.alignment: Qt.AlignRight }
    }
}
)qml");
    return engine.rootObjects().isEmpty() ? 1 : app.exec();
}

}  // namespace

int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    QGuiApplication::setOrganizationName(QStringLiteral("Fathom"));
    QGuiApplication::setApplicationName(QStringLiteral("Fathom"));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Fathom"));
    QQuickStyle::setStyle(QStringLiteral("Material"));

    QString dataDir;
    try {
        dataDir = fathom::app::resolveDataDir();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fathom: %s\n", e.what());
        return showStartupError(app, QString::fromUtf8(e.what()));
    }
    fathom::app::setupLogging(dataDir);

    std::unique_ptr<fathom::app::AppContext> context;
    try {
        context = std::make_unique<fathom::app::AppContext>(dataDir);
    } catch (const std::exception& e) {
        fathom::app::appLog()->error("start-up failed: {}", e.what());
        return showStartupError(app, QString::fromUtf8(e.what()));
    }

    QQmlApplicationEngine engine;
    context->expose(*engine.rootContext());
    engine.load(QUrl(QStringLiteral("qrc:/Fathom/Ui/Main.qml")));
    if (engine.rootObjects().isEmpty()) {
        fathom::app::appLog()->error("the main window (qrc:/Fathom/Ui/Main.qml) failed to load");
        return 1;
    }
    const int code = app.exec();
    fathom::app::appLog()->info("exiting with code {}", code);
    return code;
}
