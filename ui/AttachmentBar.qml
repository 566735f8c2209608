// The current conversation's attachments above the composer: one chip per document (title, tokens, share of
// the model's context, remove), and a plain notice when they do not all fit into the prompt.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: bar
    objectName: "attachmentBar"
    spacing: Theme.spacingSmall
    visible: attachmentController.attachments.length > 0 || ingestionController.busy

    Flow {
        Layout.fillWidth: true
        spacing: Theme.spacingSmall
        Repeater {
            objectName: "attachmentChips"
            model: attachmentController.attachments
            delegate: Rectangle {
                required property var modelData
                required property int index
                objectName: "attachmentChip" + index
                property string label: modelData.label
                height: chipRow.implicitHeight + 8
                width: Math.min(chipRow.implicitWidth + 16, bar.width)
                radius: height / 2
                color: Theme.accentSoft
                border.color: modelData.share > 0.9 ? Theme.errorBorder : Theme.border
                RowLayout {
                    id: chipRow
                    anchors.fill: parent
                    anchors.leftMargin: 10
                    anchors.rightMargin: 4
                    spacing: 4
                    Label {
                        Layout.fillWidth: true
                        text: modelData.label
                        elide: Text.ElideMiddle
                        font.pixelSize: Theme.fontSmall
                        color: Theme.text
                    }
                    ToolButton {
                        objectName: "attachmentRemove" + index
                        implicitWidth: 24
                        implicitHeight: 24
                        padding: 0
                        text: "\u2715"
                        font.pixelSize: Theme.fontSmall
                        Accessible.name: "Remove " + modelData.title + " from this conversation"
                        ToolTip.visible: hovered
                        ToolTip.text: "Remove from this conversation (the document stays in the library)"
                        onClicked: attachmentController.detachDocument(modelData.documentId)
                    }
                }
            }
        }
        Label {
            visible: ingestionController.busy
            text: ingestionController.progressText
            font.pixelSize: Theme.fontSmall
            color: Theme.textMuted
        }
    }

    Label {
        objectName: "attachmentNotice"
        Layout.fillWidth: true
        visible: text.length > 0
        text: attachmentController.notice
        wrapMode: Text.Wrap
        font.pixelSize: Theme.fontSmall
        color: Theme.noticeText
        padding: 6
        background: Rectangle { color: Theme.noticeBackground; border.color: Theme.noticeBorder; radius: 6 }
    }
}
