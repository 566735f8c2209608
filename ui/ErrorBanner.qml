// The error banner: the latest failure the user should know about (a worker job, a storage write),
// shown until dismissed. Bound to statusController.errorText.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: banner
    objectName: "errorBanner"
    visible: statusController.hasError
    implicitHeight: visible ? row.implicitHeight + 2 * Theme.spacing : 0
    radius: Theme.radius
    color: Theme.errorBackground
    border.color: Theme.errorBorder

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacing

        Label {
            text: "\u26A0"
            color: Theme.errorText
            font.pixelSize: Theme.fontTitle
        }
        Label {
            objectName: "errorBannerText"
            Accessible.name: "Error"
            text: statusController.errorText
            wrapMode: Text.Wrap
            color: Theme.errorText
            Layout.fillWidth: true
        }
        Button {
            objectName: "dismissErrorButton"
            Accessible.name: "Dismiss error"
            text: "Dismiss"
            flat: true
            onClicked: statusController.dismissError()
        }
    }
}
