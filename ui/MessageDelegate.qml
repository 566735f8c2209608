// One message: the user's on the right in a tinted bubble, the model's on the left rendered as Markdown
// with each fenced code block in its own monospace box with a Copy button, its reasoning in a collapsible
// panel above the answer, and under it the statistics, the branch switch ("‹ 2/3 ›") when the message has
// siblings, and the actions (copy, edit, regenerate for the last reply).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Item {
    id: message
    required property int index
    required property string role
    required property string content
    required property string reasoning
    required property string mode
    required property string timeText
    required property bool streaming
    required property string statsText
    required property int branchIndex
    required property int branchCount
    required property var segments  // a reply's prose and code blocks (answer_segments.hpp); empty for the user's
    readonly property bool fromUser: role === "user"
    readonly property bool isLast: index === ListView.view.count - 1
    readonly property int columnWidth: Math.min(width - 2 * Theme.spacingLarge, 860)
    // The reply being written shows its reasoning as it streams (and keeps it open); stored replies
    // start folded. Assigned once, not bound, so the user's toggle is never overridden.
    property bool reasoningOpen: false
    Component.onCompleted: reasoningOpen = streaming

    objectName: "message" + index
    implicitHeight: bubble.height

    Rectangle {
        id: bubble
        readonly property int maxWidth: message.fromUser ? message.columnWidth * 0.8 : message.columnWidth
        x: message.fromUser ? (message.width + message.columnWidth) / 2 - width : (message.width - message.columnWidth) / 2
        // Text's implicitWidth is its unwrapped width; the ceiling and a pixel of slack stop a short
        // message from wrapping on sub-pixel rounding. Replies take the whole column.
        width: message.fromUser
               ? Math.min(maxWidth, Math.ceil(Math.max(body.implicitWidth, metaRow.implicitWidth)) + 2 * Theme.spacing + 2)
               : maxWidth
        height: column.implicitHeight + 2 * Theme.spacing
        radius: Theme.radius
        color: message.fromUser ? Theme.userBubble : "transparent"

        ColumnLayout {
            id: column
            anchors.fill: parent
            anchors.margins: Theme.spacing
            spacing: 6

            // The reasoning panel (think and think-max): a header that folds it, the text below.
            Rectangle {
                id: reasoningPanel
                objectName: "reasoningPanel" + message.index
                visible: !message.fromUser && message.reasoning.length > 0
                Layout.fillWidth: true
                implicitHeight: reasoningColumn.implicitHeight + 2 * Theme.spacingSmall
                radius: 8
                color: Theme.reasoningBackground
                border.color: Theme.border

                ColumnLayout {
                    id: reasoningColumn
                    anchors.fill: parent
                    anchors.margins: Theme.spacingSmall
                    spacing: 4
                    AbstractButton {
                        objectName: "reasoningToggle" + message.index
                        Accessible.name: message.reasoningOpen ? "Hide reasoning" : "Show reasoning"
                        Layout.fillWidth: true
                        implicitHeight: toggleLabel.implicitHeight + 4
                        onClicked: message.reasoningOpen = !message.reasoningOpen
                        contentItem: Label {
                            id: toggleLabel
                            text: (message.reasoningOpen ? "\u25BE " : "\u25B8 ")
                                  + (message.streaming && message.content.length === 0 ? "Thinking\u2026" : "Reasoning")
                                  + "  (" + message.reasoning.length + " characters)"
                            font.pixelSize: Theme.fontSmall
                            font.weight: Font.DemiBold
                            color: Theme.textMuted
                        }
                    }
                    Label {
                        objectName: "reasoningText" + message.index
                        visible: message.reasoningOpen
                        text: message.reasoning
                        textFormat: Text.PlainText
                        wrapMode: Text.WrapAtWordBoundaryOrAnywhere
                        font.pixelSize: Theme.fontSmall
                        color: Theme.textMuted
                        Layout.fillWidth: true
                    }
                }
            }

            // The user's words, shown as typed.
            TextEdit {
                id: body
                objectName: message.fromUser ? "messageText" + message.index : ""
                text: message.fromUser ? message.content : ""
                textFormat: TextEdit.PlainText
                readOnly: true
                selectByMouse: true
                wrapMode: TextEdit.WrapAtWordBoundaryOrAnywhere
                font.pixelSize: Theme.fontBody
                color: Theme.text
                selectionColor: Theme.accentSoft
                selectedTextColor: Theme.text
                visible: message.fromUser && text.length > 0
                Accessible.name: "Your message"
                Layout.fillWidth: true
                Layout.maximumWidth: bubble.maxWidth - 2 * Theme.spacing
            }

            // The model's answer, segment by segment. The model is a count, not the list, so a streamed token
            // updates the segments in place instead of rebuilding them.
            Repeater {
                model: message.fromUser ? 0 : message.segments.length
                delegate: AnswerSegment {
                    required property int index
                    segment: message.segments[index] || ({ kind: "text", text: "", block: -1 })
                    row: message.index
                    position: index
                    firstText: message.segments.findIndex(s => s.kind === "text") === index
                    Layout.fillWidth: true
                    Layout.maximumWidth: bubble.maxWidth - 2 * Theme.spacing
                }
            }

            Label {
                objectName: "noAnswerNote" + message.index
                visible: !message.fromUser && !message.streaming && message.content.length === 0
                text: message.reasoning.length > 0 ? "No answer: the reply ended while still reasoning."
                                                   : "The reply was empty."
                font.pixelSize: Theme.fontSmall
                font.italic: true
                color: Theme.textMuted
            }

            BusyIndicator {
                objectName: "streamingIndicator" + message.index
                visible: message.streaming && message.content.length === 0 && message.reasoning.length === 0
                running: visible
                implicitWidth: 28
                implicitHeight: 28
            }

            RowLayout {
                id: metaRow
                Layout.fillWidth: !message.fromUser
                Layout.alignment: message.fromUser ? Qt.AlignRight : Qt.AlignLeft
                spacing: Theme.spacingSmall
                Label {
                    id: meta
                    text: (message.fromUser ? "You" : "Fathom") + " \u00B7 " + message.timeText
                          + (message.fromUser && message.mode !== "standard" ? " \u00B7 " + message.mode : "")
                          + (message.streaming ? " \u00B7 writing\u2026" : "")
                    font.pixelSize: Theme.fontSmall
                    color: Theme.textMuted
                }
                // Takes the room left and wraps, so a narrow chat column never pushes the bubble wider.
                Label {
                    objectName: "messageStats" + message.index
                    visible: message.statsText.length > 0
                    text: "\u00B7 " + message.statsText
                    font.pixelSize: Theme.fontSmall
                    color: Theme.textMuted
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                    Layout.minimumWidth: 0
                }
                BranchSwitch {
                    row: message.index
                    branchIndex: message.branchIndex
                    branchCount: message.branchCount
                    visible: message.branchCount > 1 && !message.streaming
                }
                ToolButton {
                    objectName: "copyButton" + message.index
                    Accessible.name: "Copy message"
                    visible: !message.streaming
                    text: "Copy"
                    font.pixelSize: Theme.fontSmall
                    implicitHeight: 28
                    onClicked: chatController.copyMessage(message.index)
                    ToolTip.visible: hovered
                    ToolTip.text: "Copy the message text"
                }
                ToolButton {
                    objectName: "editButton" + message.index
                    Accessible.name: "Edit message"
                    visible: message.fromUser && !chatController.generating
                    text: "Edit"
                    font.pixelSize: Theme.fontSmall
                    implicitHeight: 28
                    onClicked: chatController.startEdit(message.index)
                    ToolTip.visible: hovered
                    ToolTip.text: "Edit and continue from here in a new branch (the old one stays)"
                }
                ToolButton {
                    objectName: "regenerateButton" + message.index
                    Accessible.name: "Regenerate reply"
                    visible: !message.fromUser && message.isLast && chatController.canRegenerate
                    text: "Regenerate"
                    font.pixelSize: Theme.fontSmall
                    implicitHeight: 28
                    onClicked: chatController.regenerate()
                }
            }
        }
    }
}
