// "‹ 2/3 ›" under a message that has siblings (an edited question, a regenerated reply): the arrows show the
// previous or next branch, and the conversation below follows it.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

RowLayout {
    id: branchSwitch
    required property int row
    required property int branchIndex  // 1-based
    required property int branchCount
    objectName: "branchSwitch" + row
    spacing: 0

    ToolButton {
        objectName: "branchPrev" + branchSwitch.row
        text: "\u2039"
        Accessible.name: "Previous branch"
        enabled: branchSwitch.branchIndex > 1 && !chatController.generating
        font.pixelSize: Theme.fontBody
        implicitWidth: 28
        implicitHeight: 28
        onClicked: chatController.switchBranch(branchSwitch.row, -1)
        ToolTip.visible: hovered
        ToolTip.text: "Show the previous version"
    }
    Label {
        objectName: "branchLabel" + branchSwitch.row
        text: branchSwitch.branchIndex + "/" + branchSwitch.branchCount
        Accessible.name: "Version " + branchSwitch.branchIndex + " of " + branchSwitch.branchCount
        font.pixelSize: Theme.fontSmall
        color: Theme.textMuted
    }
    ToolButton {
        objectName: "branchNext" + branchSwitch.row
        text: "\u203A"
        Accessible.name: "Next branch"
        enabled: branchSwitch.branchIndex < branchSwitch.branchCount && !chatController.generating
        font.pixelSize: Theme.fontBody
        implicitWidth: 28
        implicitHeight: 28
        onClicked: chatController.switchBranch(branchSwitch.row, 1)
        ToolTip.visible: hovered
        ToolTip.text: "Show the next version"
    }
}
