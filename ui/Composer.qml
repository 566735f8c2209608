// The composer: the conversation's attachments, a multi-line input (Enter sends, Shift+Enter starts a new
// line), the reasoning-mode selector and the Send button, which becomes Stop (Esc) while a reply is being written.
// A PDF, folder or text file dropped on it is read and attached to the conversation.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: composer
    objectName: "composer"
    implicitHeight: column.implicitHeight + 2 * Theme.spacing
    radius: Theme.radius + 2
    color: Theme.window
    border.color: input.activeFocus || fileDrop.containsDrag ? Theme.accent : Theme.border
    border.width: input.activeFocus || fileDrop.containsDrag ? 2 : 1

    DropArea {
        id: fileDrop
        objectName: "composerDropArea"
        anchors.fill: parent
        keys: ["text/uri-list"]
        onDropped: (drop) => {
            for (const url of drop.urls) { attachmentController.addPath(url); break }  // one ingest at a time
            drop.accept()
        }
    }

    function focusInput() { input.forceActiveFocus() }

    function send() {
        if (chatController.generating || input.text.trim().length === 0)
            return
        if (chatController.editingRow >= 0) {
            if (chatController.sendEdit(input.text, modeSelector.currentText) !== 0)
                input.clear()
            return
        }
        if (chatController.sendMessage(input.text, modeSelector.currentText))
            input.clear()
    }

    // Editing a sent message: its text comes into the input; sending branches the conversation there.
    Connections {
        target: chatController
        function onEditingChanged() {
            if (chatController.editingRow >= 0) {
                input.text = messageModel.contentAt(chatController.editingRow)
                input.forceActiveFocus()
                input.cursorPosition = input.length
            } else {
                input.clear()
            }
        }
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacingSmall

        AttachmentBar {
            Layout.fillWidth: true
        }

        RowLayout {
            objectName: "editingBar"
            visible: chatController.editingRow >= 0
            Layout.fillWidth: true
            spacing: Theme.spacingSmall
            Label {
                text: "Editing a message: sending continues from it in a new branch; this conversation stays as it is."
                wrapMode: Text.Wrap
                font.pixelSize: Theme.fontSmall
                color: Theme.textMuted
                Layout.fillWidth: true
            }
            Button {
                objectName: "cancelEditButton"
                text: "Cancel"
                flat: true
                font.pixelSize: Theme.fontSmall
                onClicked: chatController.cancelEdit()
            }
        }

        ScrollView {
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(Math.max(input.implicitHeight, 48), 200)
            TextArea {
                id: input
                objectName: "composerInput"
                Accessible.name: "Message"
                placeholderText: "Message Fathom\u2026  (Enter to send, Shift+Enter for a new line)"
                wrapMode: TextEdit.Wrap
                font.pixelSize: Theme.fontBody
                focus: true
                background: null
                Keys.onReturnPressed: (event) => {
                    if (event.modifiers & Qt.ShiftModifier) {
                        event.accepted = false
                        return
                    }
                    composer.send()
                }
                Keys.onEnterPressed: (event) => composer.send()
                Keys.onEscapePressed: (event) => {
                    if (chatController.editingRow >= 0)
                        chatController.cancelEdit()
                    else
                        event.accepted = false
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacing

            Label {
                text: "Reasoning"
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
            }
            ComboBox {
                id: modeSelector
                objectName: "reasoningModeSelector"
                Accessible.name: "Reasoning mode"
                model: chatController.reasoningModes
                implicitWidth: 150
            }
            Item { Layout.fillWidth: true }
            Button {
                objectName: "stopButton"
                Accessible.name: "Stop generating"
                visible: chatController.generating
                text: "Stop  (Esc)"
                onClicked: chatController.stop()
            }
            Button {
                objectName: "sendButton"
                Accessible.name: "Send"
                visible: !chatController.generating
                text: "Send"
                highlighted: true
                enabled: input.text.trim().length > 0
                onClicked: composer.send()
            }
        }
    }
}
