// Where PDFs, folders and text files are dropped (or a path typed) to be read into the documents store.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: zone
    objectName: "dropZone"
    radius: Theme.radius
    color: dropArea.containsDrag ? Theme.accentSoft : Theme.window
    border.color: dropArea.containsDrag ? Theme.accent : Theme.border
    border.width: dropArea.containsDrag ? 2 : 1

    DropArea {
        id: dropArea
        anchors.fill: parent
        enabled: !ingestionController.busy
        onDropped: (drop) => {
            if (drop.urls.length > 0) ingestionController.ingest(drop.urls[0])
            if (drop.urls.length > 1) hint.text = "One at a time: reading the first of " + drop.urls.length
        }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacingSmall
        spacing: Theme.spacingSmall
        Label {
            id: hint
            Layout.fillWidth: true
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            text: "Drop a PDF, a folder or a text file here"
            color: Theme.textMuted
        }
        RowLayout {
            Layout.fillWidth: true
            TextField {
                id: pathField
                objectName: "ingestPathField"
                Accessible.name: "Path of a file or folder to add"
                Layout.fillWidth: true
                placeholderText: "or type a path"
                enabled: !ingestionController.busy
                onAccepted: addButton.clicked()
            }
            Button {
                id: addButton
                objectName: "ingestAddButton"
                Accessible.name: "Add the file or folder"
                text: "Add"
                enabled: !ingestionController.busy && pathField.text.length > 0
                onClicked: {
                    ingestionController.ingest(pathField.text)
                    pathField.text = ""
                }
            }
        }
    }
}
