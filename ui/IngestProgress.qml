// Progress of the running ingest (indeterminate while files are listed or the page count is unknown), with Cancel.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    objectName: "ingestProgress"
    spacing: 2
    RowLayout {
        Layout.fillWidth: true
        ProgressBar {
            objectName: "ingestProgressBar"
            Layout.fillWidth: true
            from: 0
            to: 1
            indeterminate: ingestionController.progress < 0
            value: Math.max(0, ingestionController.progress)
        }
        Button {
            objectName: "ingestCancelButton"
            text: "Cancel"
            flat: true
            onClicked: ingestionController.cancel()
        }
    }
    Label {
        Layout.fillWidth: true
        text: ingestionController.progressText
        elide: Text.ElideMiddle
        font.pixelSize: Theme.fontSmall
        color: Theme.textMuted
    }
}
