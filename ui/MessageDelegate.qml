// One message: the user's on the right in a tinted bubble, the model's on the left, each with its time
// and, when it is not "standard", the reasoning mode it was sent with.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Item {
    id: message
    required property int index
    required property string role
    required property string content
    required property string mode
    required property string timeText
    readonly property bool fromUser: role === "user"
    readonly property int columnWidth: Math.min(width - 2 * Theme.spacingLarge, 860)

    objectName: "message" + index
    implicitHeight: bubble.height

    Rectangle {
        id: bubble
        readonly property int maxWidth: message.fromUser ? message.columnWidth * 0.8 : message.columnWidth
        x: message.fromUser ? (message.width + message.columnWidth) / 2 - width : (message.width - message.columnWidth) / 2
        // Text's implicitWidth is its unwrapped width; the ceiling and a pixel of slack stop a short
        // message from wrapping on sub-pixel rounding.
        width: Math.min(maxWidth, Math.ceil(Math.max(body.implicitWidth, meta.implicitWidth)) + 2 * Theme.spacing + 2)
        height: column.implicitHeight + 2 * Theme.spacing
        radius: Theme.radius
        color: message.fromUser ? Theme.userBubble : "transparent"

        ColumnLayout {
            id: column
            anchors.fill: parent
            anchors.margins: Theme.spacing
            spacing: 4

            Label {
                id: body
                objectName: "messageText" + message.index
                text: message.content
                textFormat: Text.PlainText
                wrapMode: Text.Wrap
                font.pixelSize: Theme.fontBody
                color: Theme.text
                Layout.fillWidth: true
                Layout.maximumWidth: bubble.maxWidth - 2 * Theme.spacing
            }
            Label {
                id: meta
                text: (message.fromUser ? "You" : "Fathom") + " \u00B7 " + message.timeText
                      + (message.mode !== "standard" ? " \u00B7 " + message.mode : "")
                font.pixelSize: Theme.fontSmall
                color: Theme.textMuted
                Layout.alignment: message.fromUser ? Qt.AlignRight : Qt.AlignLeft
            }
        }
    }
}
