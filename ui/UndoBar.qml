// The undo bar under the conversation list: "Deleted 'title' · Undo" while a deleted conversation can still be
// brought back (chatController.deletion, about 8 s); × ends the window at once.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: bar
    objectName: "undoBar"
    readonly property var deletion: chatController.deletion
    visible: deletion.pending
    implicitHeight: visible ? row.implicitHeight + 2 * Theme.spacingSmall : 0
    radius: Theme.radius
    color: Theme.text
    Accessible.role: Accessible.AlertMessage
    Accessible.name: undoText.text

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.leftMargin: Theme.spacing
        anchors.rightMargin: Theme.spacingSmall
        spacing: Theme.spacingSmall

        Label {
            id: undoText
            objectName: "undoBarText"
            text: "Deleted \u2018" + bar.deletion.title + "\u2019"
            wrapMode: Text.Wrap
            maximumLineCount: 2
            elide: Text.ElideRight
            color: Theme.window
            font.pixelSize: Theme.fontSmall
            Layout.fillWidth: true
        }
        // The bar is dark on a light theme and light on a dark one; the style's own button colours would vanish.
        Button {
            objectName: "undoDeleteButton"
            Accessible.name: "Undo delete"
            flat: true
            contentItem: Label {
                text: "UNDO"
                font.weight: Font.DemiBold
                font.pixelSize: Theme.fontSmall
                color: Theme.dark ? "#3f51b5" : "#c5cae9"
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
            }
            onClicked: chatController.undoDelete()
        }
        ToolButton {
            objectName: "undoBarCloseButton"
            Accessible.name: "Delete now"
            contentItem: Label {
                text: "\u2715"
                color: Theme.window
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
            }
            onClicked: bar.deletion.finish()
        }
    }
}
