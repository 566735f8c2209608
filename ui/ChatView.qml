// The current conversation: its title, the messages, and, when the last message has no reply because no
// model is loaded, a plain notice saying so; above the messages, the memory warning when a load waits.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: chatView
    objectName: "chatView"
    spacing: 0

    Label {
        objectName: "conversationTitle"
        text: chatController.currentTitle.length > 0 ? chatController.currentTitle : "New chat"
        font.pixelSize: Theme.fontTitle
        font.weight: Font.DemiBold
        color: Theme.text
        elide: Text.ElideRight
        Layout.fillWidth: true
        Layout.leftMargin: Theme.spacingLarge
        Layout.rightMargin: Theme.spacingLarge
        Layout.topMargin: Theme.spacingLarge
        Layout.bottomMargin: Theme.spacing
    }

    Rectangle {
        Layout.fillWidth: true
        Layout.preferredHeight: 1
        color: Theme.border
    }

    // A model waiting to load because it may not fit in memory: the numbers, and the choice.
    MemoryWarning {
        Layout.fillWidth: true
        Layout.maximumWidth: 860
        Layout.alignment: Qt.AlignHCenter
        Layout.topMargin: visible ? Theme.spacing : 0
        Layout.leftMargin: Theme.spacingLarge
        Layout.rightMargin: Theme.spacingLarge
    }

    ListView {
        id: messages
        objectName: "messageList"
        Accessible.name: "Messages"
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        spacing: Theme.spacing
        topMargin: Theme.spacingLarge
        bottomMargin: Theme.spacing
        model: messageModel
        ScrollBar.vertical: ScrollBar {}
        onCountChanged: Qt.callLater(positionViewAtEnd)

        delegate: MessageDelegate {
            width: ListView.view.width
        }

        footer: Item {
            width: ListView.view.width
            height: notice.visible ? notice.height + Theme.spacing : 0
            Rectangle {
                id: notice
                objectName: "replyNotice"
                visible: chatController.replyNotice.length > 0
                anchors.horizontalCenter: parent.horizontalCenter
                anchors.top: parent.top
                anchors.topMargin: Theme.spacing
                width: Math.min(parent.width - 2 * Theme.spacingLarge, 860)
                height: noticeText.implicitHeight + 2 * Theme.spacing
                radius: Theme.radius
                color: Theme.noticeBackground
                border.color: Theme.noticeBorder
                Label {
                    id: noticeText
                    objectName: "replyNoticeText"
                    anchors.fill: parent
                    anchors.margins: Theme.spacing
                    wrapMode: Text.Wrap
                    text: chatController.replyNotice
                    color: Theme.noticeText
                }
            }
        }

        ColumnLayout {
            anchors.centerIn: parent
            visible: messages.count === 0
            spacing: Theme.spacingSmall
            Label {
                Layout.alignment: Qt.AlignHCenter
                text: "Start a conversation"
                font.pixelSize: Theme.fontTitle
                color: Theme.text
            }
            Label {
                Layout.alignment: Qt.AlignHCenter
                text: "Messages are stored on this computer only."
                color: Theme.textMuted
            }
        }
    }
}
