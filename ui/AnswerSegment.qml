// One piece of a reply: prose rendered as Markdown (citations become links to the documents panel), or a
// fenced code block in a monospace box with its language and a Copy button that copies exactly that block.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: piece
    required property var segment  // {kind, text, language, closed, block} from answer_segments.hpp
    required property int row      // the message's row
    required property int position // its place among the reply's pieces
    property bool firstText: false // the reply's first prose piece keeps the name tests and tools know
    readonly property bool isCode: segment.kind === "code"
    spacing: 0

    TextEdit {
        id: prose
        objectName: piece.isCode ? "" : (piece.firstText ? "messageText" + piece.row : "messageText" + piece.row + "_" + piece.position)
        visible: !piece.isCode && text.length > 0
        // Citations in an answer ([p. 214], src/foo.cpp:120) become fathom://doc links to the ingested
        // documents; activating one opens the page or the file at the line in the documents panel.
        text: piece.isCode ? "" : ingestionController.linkCitations(piece.segment.text)
        onLinkActivated: (link) => documentsPanel.openLink(link)  // other links are ignored: nothing leaves the machine
        textFormat: TextEdit.MarkdownText
        readOnly: true
        selectByMouse: true
        wrapMode: TextEdit.WrapAtWordBoundaryOrAnywhere
        font.pixelSize: Theme.fontBody
        color: Theme.text
        selectionColor: Theme.accentSoft
        selectedTextColor: Theme.text
        Accessible.name: "Answer text"
        Layout.fillWidth: true
        // Indented (unfenced) code blocks stay in the Markdown; they get a tinted background once laid out.
        // Done after the change settles: restyling inside the text change itself upsets the layout.
        property int styledCodeLines: 0
        function styleCode() {
            // (callLater may run while the window is being torn down, after the context objects are gone)
            if (!piece.isCode && typeof markdownStyler !== "undefined") styledCodeLines = markdownStyler.styleCodeBlocks(textDocument, Theme.codeBackground)
        }
        onTextChanged: Qt.callLater(styleCode)
        Component.onCompleted: Qt.callLater(styleCode)
    }

    Rectangle {
        id: codeBox
        objectName: piece.isCode ? "codeBlock" + piece.row + "_" + piece.segment.block : ""
        visible: piece.isCode
        Layout.fillWidth: true
        Layout.topMargin: Theme.spacingSmall
        Layout.bottomMargin: Theme.spacingSmall
        implicitHeight: codeColumn.implicitHeight
        radius: 8
        color: Theme.codeBackground
        border.color: Theme.border

        ColumnLayout {
            id: codeColumn
            anchors.left: parent.left
            anchors.right: parent.right
            spacing: 0
            RowLayout {
                Layout.fillWidth: true
                Layout.leftMargin: Theme.spacing
                Layout.rightMargin: Theme.spacingSmall
                Label {
                    text: piece.segment.language && piece.segment.language.length > 0 ? piece.segment.language : "code"
                    font.pixelSize: Theme.fontSmall
                    color: Theme.textMuted
                    Layout.fillWidth: true
                }
                ToolButton {
                    id: copyCode
                    objectName: piece.isCode ? "copyCode" + piece.row + "_" + piece.segment.block : ""
                    property bool copied: false
                    text: copied ? "Copied" : "Copy"
                    Accessible.name: "Copy code block" + (piece.segment.language ? " (" + piece.segment.language + ")" : "")
                    font.pixelSize: Theme.fontSmall
                    implicitHeight: 28
                    onClicked: {
                        chatController.copyCodeBlock(piece.row, piece.segment.block)
                        copied = true
                        copiedTimer.restart()
                    }
                    ToolTip.visible: hovered
                    ToolTip.text: "Copy this code block"
                    Timer { id: copiedTimer; interval: 1500; onTriggered: copyCode.copied = false }
                }
            }
            Rectangle { Layout.fillWidth: true; implicitHeight: 1; color: Theme.border }
            // Long lines scroll sideways instead of wrapping: code keeps its shape.
            Flickable {
                Layout.fillWidth: true
                implicitHeight: code.implicitHeight + 2 * Theme.spacingSmall
                contentWidth: code.implicitWidth + 2 * Theme.spacing
                contentHeight: height
                flickableDirection: Flickable.HorizontalFlick
                boundsBehavior: Flickable.StopAtBounds
                clip: true
                ScrollBar.horizontal: ScrollBar { policy: ScrollBar.AsNeeded }
                TextEdit {
                    id: code
                    objectName: piece.isCode ? "codeText" + piece.row + "_" + piece.segment.block : ""
                    x: Theme.spacing
                    y: Theme.spacingSmall
                    text: piece.isCode ? piece.segment.text : ""
                    textFormat: TextEdit.PlainText
                    readOnly: true
                    selectByMouse: true
                    font.family: "monospace"
                    font.pixelSize: Theme.fontBody - 1
                    color: Theme.text
                    selectionColor: Theme.accentSoft
                    selectedTextColor: Theme.text
                    Accessible.name: "Code"
                }
            }
        }
    }
}
