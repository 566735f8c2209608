// Shown while a model load waits for the user: the checkpoint needs more memory than is free or budgeted.
// The numbers come from ModelController; the user loads it anyway or leaves it unloaded.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: warning
    property string namePrefix: "memoryWarning"
    objectName: namePrefix
    visible: modelController.memoryWarning.length > 0
    implicitHeight: visible ? content.implicitHeight + 2 * Theme.spacing : 0
    radius: Theme.radius
    color: Theme.noticeBackground
    border.color: Theme.noticeBorder
    Accessible.role: Accessible.AlertMessage
    Accessible.name: "Memory warning: " + modelController.memoryWarning

    ColumnLayout {
        id: content
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacingSmall
        Label {
            objectName: warning.namePrefix + "Text"
            text: modelController.memoryWarning
            wrapMode: Text.Wrap
            color: Theme.noticeText
            font.pixelSize: Theme.fontBody
            Layout.fillWidth: true
        }
        RowLayout {
            spacing: Theme.spacing
            Button {
                objectName: warning.namePrefix + "LoadAnyway"
                text: "Load anyway"
                Accessible.name: "Load the model anyway"
                onClicked: modelController.loadAnyway()
            }
            Button {
                objectName: warning.namePrefix + "Cancel"
                text: "Don't load"
                flat: true
                Accessible.name: "Do not load the model"
                onClicked: modelController.dismissMemoryWarning()
            }
        }
    }
}
