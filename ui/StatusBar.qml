// The status bar: which model is active and what it is doing (loading with a progress bar and Cancel;
// memory, context used, tokens/s while generating), or that none is loaded.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    objectName: "statusBar"
    implicitHeight: 32
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
            color: statusController.modelLoaded ? (chatController.generating ? Theme.accent : Theme.statusReady)
                                                : (modelController.loading ? Theme.statusBusy : Theme.statusIdle)
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
        ProgressBar {
            objectName: "loadProgressBar"
            Accessible.name: "Loading progress"
            visible: modelController.loading
            from: 0
            to: 1
            value: modelController.loadFraction
            indeterminate: modelController.loadFraction <= 0
            Layout.preferredWidth: 220
        }
        Button {
            objectName: "cancelLoadButton"
            Accessible.name: "Cancel loading"
            visible: modelController.loading
            text: "Cancel"
            flat: true
            font.pixelSize: Theme.fontSmall
            implicitHeight: 30
            onClicked: modelController.cancelLoad()
        }
    }
}
