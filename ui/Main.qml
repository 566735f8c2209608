// The main window: conversation sidebar on the left; on the right the error banner, the chat or the
// settings page, and the status bar along the bottom. Controllers come from the app as context properties.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

ApplicationWindow {
    id: window
    objectName: "mainWindow"
    width: 1280
    height: 800
    minimumWidth: 900
    minimumHeight: 560
    visible: true
    title: chatController.currentTitle.length > 0 ? chatController.currentTitle + " \u2014 Fathom" : "Fathom"
    color: Theme.window

    Material.theme: Theme.dark ? Material.Dark : Material.Light
    Material.accent: Theme.accent
    Material.primary: Theme.accent

    property bool settingsOpen: false

    footer: StatusBar {}

    // Keyboard: Ctrl+N new chat, Ctrl+K search, Esc stops a reply (Enter / Shift+Enter live in the composer).
    Shortcut {
        sequence: "Ctrl+N"
        context: Qt.ApplicationShortcut
        onActivated: {
            chatController.newConversation()
            window.settingsOpen = false
            composer.focusInput()
        }
    }
    Shortcut {
        sequence: "Ctrl+K"
        context: Qt.ApplicationShortcut
        onActivated: sidebar.focusSearch()
    }
    Shortcut {
        sequence: "Esc"
        context: Qt.ApplicationShortcut
        enabled: chatController.generating
        onActivated: chatController.stop()
    }

    // A file dropped anywhere on the window (outside the documents panel's own drop zone) is read and attached
    // to the conversation. Below everything: drops reach it through items that take none.
    DropArea {
        objectName: "windowDropArea"
        anchors.fill: parent
        z: -1
        keys: ["text/uri-list"]
        onDropped: (drop) => { if (drop.urls.length > 0) attachmentController.addPath(drop.urls[0]); drop.accept() }
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        ConversationSidebar {
            id: sidebar
            Layout.fillHeight: true
            Layout.preferredWidth: 290
            settingsOpen: window.settingsOpen
            onOpenSettings: window.settingsOpen = !window.settingsOpen
            onConversationChosen: window.settingsOpen = false
        }

        Rectangle {
            Layout.fillHeight: true
            Layout.preferredWidth: 1
            color: Theme.border
        }

        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            ErrorBanner {
                Layout.fillWidth: true
                Layout.margins: Theme.spacing
                Layout.bottomMargin: 0
            }

            StackLayout {
                Layout.fillWidth: true
                Layout.fillHeight: true
                currentIndex: window.settingsOpen ? 1 : 0

                ColumnLayout {
                    spacing: 0
                    ModelNotice {
                        Layout.fillWidth: true
                        Layout.maximumWidth: 900
                        Layout.alignment: Qt.AlignHCenter
                        Layout.margins: Theme.spacing
                        Layout.bottomMargin: 0
                        onOpenSettings: window.settingsOpen = true
                    }
                    ChatView {
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                    }
                    Composer {
                        id: composer
                        Layout.fillWidth: true
                        Layout.maximumWidth: 900
                        Layout.alignment: Qt.AlignHCenter
                        Layout.margins: Theme.spacingLarge
                        Layout.topMargin: Theme.spacing
                    }
                }

                SettingsPage {
                    onClose: window.settingsOpen = false
                }
            }
        }

        Rectangle { Layout.fillHeight: true; Layout.preferredWidth: 1; color: Theme.border }
        DocumentsPanel { id: documentsPanel; Layout.fillHeight: true; Layout.preferredWidth: 300 }
    }
}
