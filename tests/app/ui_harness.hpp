// UiHarness: the real app state (AppContext over a data folder) with the real Main.qml in a real window,
// plus the lookups and clicks the UI suites share. Destroying it and building another is an app restart.
#pragma once

#include "app/app_context.hpp"

#include <QDir>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace ui_test {

class UiHarness {
public:
    explicit UiHarness(const QString& dataDir) {
        context = std::make_unique<fathom::app::AppContext>(dataDir);
        engine = std::make_unique<QQmlApplicationEngine>();
        context->expose(*engine->rootContext());
        engine->load(QUrl(QStringLiteral("qrc:/Fathom/Ui/Main.qml")));
        if (engine->rootObjects().isEmpty()) return;
        window = qobject_cast<QQuickWindow*>(engine->rootObjects().first());
    }
    ~UiHarness() {
        engine.reset();  // the QML goes first: it holds pointers into the context's objects
        context.reset();
    }

    bool ready() const { return window != nullptr; }

    // Walks the visual tree: view delegates have a visual parent but often no QObject parent.
    QQuickItem* item(const char* objectName) const {
        if (!window) return nullptr;
        const QString name = QString::fromLatin1(objectName);
        if (QQuickItem* found = findIn(window->contentItem(), name)) return found;
        return window->findChild<QQuickItem*>(name);
    }

    // Non-visual objects too (Popup, Dialog), which are not items.
    QObject* object(const char* objectName) const {
        return window ? window->findChild<QObject*>(QString::fromLatin1(objectName)) : nullptr;
    }

    // Clicks the centre of the item, as a user would.
    bool click(const char* objectName) const {
        QQuickItem* target = item(objectName);
        if (!target || !target->isVisible()) return false;
        const QPointF centre = target->mapToScene(QPointF(target->width() / 2, target->height() / 2));
        QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, centre.toPoint());
        return true;
    }

    // Views move their delegates in the render loop's polish step: one frame passes, so that an item's position is
    // the one on screen. Call it before clicking into a view whose rows just changed (a click computed from a stale
    // position once landed on the button that had been there: a second "regenerate" instead of "previous branch").
    void settle() const {
        if (!window) return;
        QSignalSpy frame(window, &QQuickWindow::frameSwapped);
        window->update();
        frame.wait(500);
    }

    // QTest::keyClicks exists only for widgets; a QWindow gets one key event per character.
    void type(const QString& text) const {
        for (const QChar c : text) QTest::keyClick(window, c.toLatin1());
    }

    std::unique_ptr<fathom::app::AppContext> context;
    std::unique_ptr<QQmlApplicationEngine> engine;
    QQuickWindow* window = nullptr;

private:
    static QQuickItem* findIn(QQuickItem* root, const QString& name) {
        if (!root) return nullptr;
        if (root->objectName() == name) return root;
        for (QQuickItem* child : root->childItems())
            if (QQuickItem* found = findIn(child, name)) return found;
        return nullptr;
    }
};

#ifdef FATHOM_SCREENSHOT_DIR
// The window as FATHOM_SCREENSHOT_DIR/name, after the last frame has rendered; the check fails when the picture
// is empty or cannot be written.
inline void saveScreenshot(UiHarness& ui, const QString& name) {
    QDir().mkpath(QStringLiteral(FATHOM_SCREENSHOT_DIR));
    QTest::qWait(300);
    const QImage shot = ui.window->grabWindow();
    QVERIFY(!shot.isNull());
    QVERIFY(shot.save(QDir(QStringLiteral(FATHOM_SCREENSHOT_DIR)).filePath(name)));
}
#endif

}  // namespace ui_test
