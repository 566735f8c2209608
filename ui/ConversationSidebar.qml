// The conversation list: search (titles and message text), new, select, rename, delete (with an undo bar),
// export to Markdown or JSON, import JSON, plus the way into Settings.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts

Rectangle {
    id: sidebar
    objectName: "conversationSidebar"
    color: Theme.sidebar

    property bool settingsOpen: false
    signal openSettings()
    signal conversationChosen()

    function focusSearch() {
        searchField.forceActiveFocus()
        searchField.selectAll()
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacing

        Label {
            text: "Fathom"
            font.pixelSize: Theme.fontHeading
            font.weight: Font.DemiBold
            color: Theme.text
            Layout.leftMargin: Theme.spacingSmall
            Layout.topMargin: Theme.spacingSmall
        }

        Button {
            objectName: "newConversationButton"
            Accessible.name: "New conversation"
            text: "+  New conversation"
            highlighted: true
            Layout.fillWidth: true
            onClicked: {
                chatController.newConversation()
                sidebar.conversationChosen()
            }
        }

        TextField {
            id: searchField
            objectName: "searchField"
            Accessible.name: "Search conversations"
            placeholderText: "Search  (Ctrl+K)"
            selectByMouse: true
            Layout.fillWidth: true
            onTextChanged: conversationModel.filter = text
            Keys.onEscapePressed: text = ""
        }

        Label {
            text: searchField.text.length > 0 ? "Matching conversations" : "Conversations"
            font.pixelSize: Theme.fontSmall
            font.capitalization: Font.AllUppercase
            font.letterSpacing: 0.8
            color: Theme.textMuted
            Layout.leftMargin: Theme.spacingSmall
            Layout.topMargin: Theme.spacingSmall
        }

        ListView {
            id: list
            objectName: "conversationList"
            Accessible.name: "Conversations"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 2
            model: conversationModel
            ScrollBar.vertical: ScrollBar {}

            delegate: ItemDelegate {
                id: row
                required property int index
                required property var conversationId
                required property string title
                required property string updatedText
                readonly property bool current: conversationId === chatController.currentConversationId

                objectName: "conversationRow" + index
                Accessible.name: title
                width: ListView.view.width
                height: 54
                background: Rectangle {
                    radius: 8
                    color: row.current ? Theme.sidebarSelected : (row.hovered ? Theme.sidebarHover : "transparent")
                }
                onClicked: {
                    chatController.selectConversation(conversationId)
                    sidebar.conversationChosen()
                }

                contentItem: RowLayout {
                    spacing: Theme.spacingSmall
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        Label {
                            text: row.title
                            elide: Text.ElideRight
                            Layout.fillWidth: true
                            font.pixelSize: Theme.fontBody
                            font.weight: row.current ? Font.DemiBold : Font.Normal
                            color: Theme.text
                        }
                        Label {
                            text: row.updatedText
                            font.pixelSize: Theme.fontSmall
                            color: Theme.textMuted
                        }
                    }
                    ToolButton {
                        objectName: "conversationMenuButton" + row.index
                        Accessible.name: "Conversation actions"
                        text: "\u22EF"
                        opacity: row.hovered || row.current ? 1 : 0
                        onClicked: rowMenu.popup()
                        Menu {
                            id: rowMenu
                            MenuItem {
                                objectName: "renameMenuItem"
                                text: "Rename\u2026"
                                onTriggered: renameDialog.openFor(row.conversationId, row.title)
                            }
                            MenuItem {
                                objectName: "exportMarkdownMenuItem"
                                text: "Export as Markdown\u2026"
                                onTriggered: exportDialog.openFor(row.conversationId, row.title, "md")
                            }
                            MenuItem {
                                objectName: "exportJsonMenuItem"
                                text: "Export as JSON\u2026"
                                onTriggered: exportDialog.openFor(row.conversationId, row.title, "json")
                            }
                            MenuItem {
                                objectName: "deleteMenuItem"
                                text: "Delete"
                                // At once, with an undo bar below the list instead of a confirmation.
                                onTriggered: chatController.deleteConversation(row.conversationId)
                            }
                        }
                    }
                }
            }

            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                text: searchField.text.length > 0 ? "Nothing matches" : "No conversations yet"
                color: Theme.textMuted
            }
        }

        UndoBar {
            Layout.fillWidth: true
        }

        Button {
            objectName: "importButton"
            Accessible.name: "Import a conversation"
            text: "Import JSON\u2026"
            flat: true
            Layout.fillWidth: true
            onClicked: importDialog.open()
        }

        Button {
            objectName: "settingsButton"
            Accessible.name: "Settings"
            text: sidebar.settingsOpen ? "\u2190  Back to chat" : "\u2699  Settings"
            flat: true
            Layout.fillWidth: true
            onClicked: sidebar.openSettings()
        }
    }

    Dialog {
        id: renameDialog
        objectName: "renameDialog"
        property var conversationId: 0
        function openFor(id, title) {
            conversationId = id
            renameField.text = title
            open()
            renameField.selectAll()
            renameField.forceActiveFocus()
        }
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: 420
        modal: true
        title: "Rename conversation"
        standardButtons: Dialog.Ok | Dialog.Cancel
        TextField {
            id: renameField
            objectName: "renameField"
            Accessible.name: "Conversation title"
            width: parent.width
            onAccepted: renameDialog.accept()
        }
        onAccepted: chatController.renameConversation(conversationId, renameField.text)
        Component.onCompleted: standardButton(Dialog.Ok).objectName = "renameConfirmButton"
    }

    FileDialog {
        id: exportDialog
        objectName: "exportDialog"
        property var conversationId: 0
        property string format: "md"
        function openFor(id, title, fmt) {
            conversationId = id
            format = fmt
            open()
        }
        title: "Export conversation"
        fileMode: FileDialog.SaveFile
        nameFilters: format === "json" ? ["JSON (*.json)"] : ["Markdown (*.md)"]
        defaultSuffix: format
        onAccepted: chatController.exportConversation(conversationId, selectedFile)
    }

    FileDialog {
        id: importDialog
        objectName: "importDialog"
        title: "Import a conversation (Fathom JSON export)"
        fileMode: FileDialog.OpenFile
        nameFilters: ["JSON (*.json)"]
        onAccepted: {
            if (chatController.importConversation(selectedFile) !== 0)
                sidebar.conversationChosen()
        }
    }
}
