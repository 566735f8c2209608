// The page or file a citation points to: a PDF page rendered as an image (image://pdfpage, drawn off the UI
// thread by the PDF worker) beside its stored text, or the file with its lines numbered and the cited line
// highlighted and scrolled into view.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Popup {
    id: viewer
    objectName: "citationViewer"
    modal: true
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 80 : 800, 1200)
    height: Math.min(Overlay.overlay ? Overlay.overlay.height - 80 : 600, 820)
    property var target: ({})
    property var lines: []
    readonly property bool showsPage: target.ok === true && target.kind === "pdf" && target.page > 0

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
        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: Theme.spacing
            ScrollView {
                id: pageScroll
                visible: viewer.showsPage
                Layout.fillHeight: true
                Layout.preferredWidth: parent.width * 0.55
                clip: true
                contentWidth: pageScroll.width
                contentHeight: Math.max(pageImage.height, pageStatus.implicitHeight) + 16
                // The page is white: a grey margin shows where it ends.
                background: Rectangle { color: Theme.codeBackground }
                Image {
                    id: pageImage
                    objectName: "citationPageImage"
                    x: 8
                    y: 8
                    width: pageScroll.width - 16
                    fillMode: Image.PreserveAspectFit
                    asynchronous: true
                    cache: false
                    sourceSize.width: 900
                    source: viewer.showsPage ? "image://pdfpage/" + viewer.target.documentId + "/" + viewer.target.page : ""
                }
                Label {
                    id: pageStatus
                    objectName: "citationPageStatus"
                    width: pageScroll.width
                    visible: pageImage.status !== Image.Ready
                    text: pageImage.status === Image.Loading ? "Rendering the page\u2026"
                          : pageImage.status === Image.Error ? "The page cannot be drawn (has the PDF moved?); its text is beside."
                          : ""
                    wrapMode: Text.Wrap
                    color: Theme.textMuted
                }
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
}
