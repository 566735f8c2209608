// Accessibility and keyboard basics in the real window: every visible control (buttons, fields, sliders,
// spin and combo boxes) has an accessible name, in the chat (with messages, branches and code blocks) and in
// Settings; text grows with a larger system font; light or dark follows the system palette.
#include "app/logging.hpp"
#include "ui_harness.hpp"

#include <QAccessible>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QPalette>
#include <QQuickStyle>
#include <QTemporaryDir>
#include <QTest>

using ui_test::UiHarness;

namespace {
bool isControl(const QQuickItem* item) {
    for (const char* type : {"QQuickAbstractButton", "QQuickTextField", "QQuickTextArea", "QQuickSlider",
                             "QQuickSpinBox", "QQuickComboBox"})
        if (item->inherits(type)) return true;
    return false;
}

// The controls a user can reach (visible all the way up) that an assistive tool would announce without a name.
void collectUnnamed(QQuickItem* item, QStringList& unnamed) {
    if (!item || !item->isVisible()) return;
    // Controls inside another control (a SpinBox's text field, a ComboBox's popup button) speak through it.
    if (isControl(item)) {
        QAccessibleInterface* iface = QAccessible::queryAccessibleInterface(item);
        QString name = iface ? iface->text(QAccessible::Name) : QString();
        // A button with no name of its own is announced by its text, as Qt Quick Controls do; a field's
        // placeholder is not a name (it disappears once something is typed).
        if (name.trimmed().isEmpty() && item->inherits("QQuickAbstractButton")) name = item->property("text").toString();
        if (name.trimmed().isEmpty())
            unnamed << QStringLiteral("%1 '%2' in %3")
                           .arg(QString::fromLatin1(item->metaObject()->className()), item->objectName(),
                                item->parentItem() ? QString::fromLatin1(item->parentItem()->metaObject()->className())
                                                   : QString());
        return;
    }
    for (QQuickItem* child : item->childItems()) collectUnnamed(child, unnamed);
}
}  // namespace

class AccessibilityTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dataDir_.isValid());
        QQuickStyle::setStyle(QStringLiteral("Material"));
        fathom::app::setupLogging(dataDir_.path());
        QAccessible::setActive(true);
    }

    void everyControlHasAnAccessibleName() {
        QTemporaryDir out;
        const QString json = QDir(out.path()).filePath(QStringLiteral("chat.json"));
        QFile file(json);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format": "fathom-conversation", "version": 2, "title": "Names", "active_leaf": 3,
  "messages": [
    {"id": 1, "parent": null, "role": "user", "content": "A question"},
    {"id": 2, "parent": 1, "role": "assistant", "content": "Old answer"},
    {"id": 3, "parent": 1, "role": "assistant", "reasoning": "Thinking.", "content": "Text\n\n```cpp\nint x;\n```"}
  ]})");
        file.close();
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        ui.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(ui.window));
        QVERIFY(ui.context->chat().importConversation(QUrl::fromLocalFile(json)) > 0);
        QTRY_VERIFY(ui.item("copyCode1_0") && ui.item("branchPrev1") && ui.item("branchPrev1")->isVisible());
        QStringList unnamed;
        collectUnnamed(ui.window->contentItem(), unnamed);
        const QStringList inChat = unnamed;

        QVERIFY(ui.click("settingsButton"));
        QTRY_VERIFY(ui.item("settingsPage")->isVisible());
        unnamed.clear();
        collectUnnamed(ui.item("settingsPage"), unnamed);
        QVERIFY2(inChat.isEmpty() && unnamed.isEmpty(),
                 qPrintable(QStringLiteral("chat: ") + inChat.join(QStringLiteral("; ")) + QStringLiteral(" | settings: ") +
                            unnamed.join(QStringLiteral("; "))));
    }

    void textGrowsWithTheSystemFont() {
        const QFont before = QGuiApplication::font();
        int normalBody = 0, normalSmall = 0;
        {
            UiHarness ui(dataDir_.path());
            QVERIFY(ui.ready());
            QTRY_VERIFY(ui.item("messageText0") && ui.item("branchLabel1"));
            normalBody = ui.item("messageText0")->property("font").value<QFont>().pixelSize();
            normalSmall = ui.item("branchLabel1")->property("font").value<QFont>().pixelSize();
        }
        QFont large = before;
        large.setPointSizeF(before.pointSizeF() > 0 ? before.pointSizeF() * 2 : 20);
        QGuiApplication::setFont(large);
        {
            UiHarness ui(dataDir_.path());
            QVERIFY(ui.ready());
            QTRY_VERIFY(ui.item("messageText0") && ui.item("branchLabel1"));
            const int body = ui.item("messageText0")->property("font").value<QFont>().pixelSize();
            const int small = ui.item("branchLabel1")->property("font").value<QFont>().pixelSize();
            QVERIFY2(body > normalBody && small > normalSmall,
                     qPrintable(QStringLiteral("body %1 -> %2, small %3 -> %4").arg(normalBody).arg(body).arg(normalSmall).arg(small)));
        }
        QGuiApplication::setFont(before);
    }

    void lightOrDarkFollowsTheSystem() {
        const QPalette before = QGuiApplication::palette();
        QPalette dark = before;
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x24));
        dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
        QGuiApplication::setPalette(dark);
        {
            UiHarness ui(dataDir_.path());
            QVERIFY(ui.ready());
            QVERIFY(ui.window->color().lightnessF() < 0.5);
        }
        QGuiApplication::setPalette(before);
        UiHarness ui(dataDir_.path());
        QVERIFY(ui.ready());
        QVERIFY(ui.window->color().lightnessF() > 0.5);
    }

private:
    QTemporaryDir dataDir_;
};

QTEST_MAIN(AccessibilityTest)
#include "test_accessibility.moc"
