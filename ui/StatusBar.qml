// The status bar: which model is active, or that none is.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    objectName: "statusBar"
    implicitHeight: 30
    color: Theme.sidebar

    Rectangle {
        anchors.top: parent.top
        width: parent.width
        height: 1
        color: Theme.border
    }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: Theme.spacing
        anchors.rightMargin: Theme.spacing
        spacing: Theme.spacingSmall

        Rectangle {
            width: 8
            height: 8
            radius: 4
            color: statusController.modelLoaded ? "#2e7d32" : Theme.statusIdle
        }
        Label {
            objectName: "statusText"
            Accessible.name: "Status"
            text: statusController.text
            font.pixelSize: Theme.fontSmall
            color: Theme.textMuted
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
    }
}
