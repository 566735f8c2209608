// The page or file a citation points to: the page's text, or the file with its lines numbered and the cited
// line highlighted and scrolled into view.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Popup {
    id: viewer
    objectName: "citationViewer"
    modal: true
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 80 : 800, 900)
    height: Math.min(Overlay.overlay ? Overlay.overlay.height - 80 : 600, 700)
    property var target: ({})
    property var lines: []

    function show(result) {
        target = result
        const all = result.ok ? String(result.text).split("\n") : []
        if (all.length > 1 && all[all.length - 1] === "") all.pop()  // the file's final newline is no line
        lines = all
        open()
        if (result.ok && result.line > 0) lineList.positionViewAtIndex(result.line - 1, ListView.Center)
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacingSmall
        RowLayout {
            Layout.fillWidth: true
            Label {
                objectName: "citationTitle"
                Layout.fillWidth: true
                text: viewer.target.ok ? viewer.target.title + " \u2014 " + viewer.target.location : "Cannot open this citation"
                font.pixelSize: Theme.fontTitle
                elide: Text.ElideMiddle
                color: Theme.text
            }
            Button {
                text: "Close"
                flat: true
                onClicked: viewer.close()
            }
        }
        Label {
            Layout.fillWidth: true
            visible: !viewer.target.ok
            text: viewer.target.error || ""
            color: Theme.errorText
            wrapMode: Text.Wrap
        }
        ListView {
            id: lineList
            objectName: "citationLines"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: viewer.lines
            ScrollBar.vertical: ScrollBar {}
            delegate: Rectangle {
                required property int index
                required property var modelData
                width: lineList.width
                height: lineText.implicitHeight
                color: viewer.target.line === index + 1 ? Theme.accentSoft : "transparent"
                Label {
                    id: lineText
                    width: parent.width
                    text: (viewer.target.line > 0 ? (index + 1) + "  " : "") + modelData
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    font.family: viewer.target.line > 0 ? "monospace" : ""
                    color: Theme.text
                }
            }
        }
    }
}
