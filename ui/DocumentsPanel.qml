// The documents panel: a drop zone for PDFs, folders and text files, the ingest progress with Cancel, the
// stored documents (parts, tokens, problems; Attach puts one into the conversation's prompt), the problem list
// of the chosen one, and the page/file viewer that citation links (fathom://doc/...) open.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: panel
    objectName: "documentsPanel"
    color: Theme.sidebar

    // Opens a fathom://doc/... link in the viewer; other links are not ours (returns false).
    function openLink(url) {
        const target = String(url)
        if (!target.startsWith("fathom://doc/")) return false
        viewer.show(ingestionController.openCitation(target))
        return true
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacing

        Label {
            text: "Documents"
            font.pixelSize: Theme.fontTitle
            font.bold: true
            color: Theme.text
        }

        DropZone {
            Layout.fillWidth: true
            Layout.preferredHeight: 110
        }

        IngestProgress {
            Layout.fillWidth: true
            visible: ingestionController.busy
        }

        ListView {
            id: documentList
            objectName: "documentList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.minimumHeight: 120
            clip: true
            spacing: Theme.spacingSmall
            model: ingestionController.documents
            delegate: Rectangle {
                required property var modelData
                width: documentList.width
                height: row.implicitHeight + Theme.spacing
                radius: Theme.radius
                color: Theme.window
                border.color: Theme.border
                RowLayout {
                    id: row
                    anchors.fill: parent
                    anchors.margins: Theme.spacingSmall
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        Label {
                            Layout.fillWidth: true
                            text: modelData.title
                            elide: Text.ElideMiddle
                            font.bold: true
                            color: Theme.text
                        }
                        Label {
                            Layout.fillWidth: true
                            text: modelData.kind + " \u00b7 " + modelData.parts + (modelData.kind === "pdf" ? " pages" : " files")
                                  + " \u00b7 " + modelData.tokens + " tokens"
                            elide: Text.ElideRight
                            font.pixelSize: Theme.fontSmall
                            color: Theme.textMuted
                        }
                    }
                    ToolButton {
                        text: modelData.problems + " \u26a0"
                        visible: modelData.problems > 0
                        ToolTip.visible: hovered
                        ToolTip.text: "Show what was skipped and why"
                        onClicked: ingestionController.showProblems(modelData.id)
                    }
                    ToolButton {
                        objectName: "attachDocument" + modelData.id
                        text: "Attach"
                        font.pixelSize: Theme.fontSmall
                        Accessible.name: "Attach " + modelData.title + " to this conversation"
                        ToolTip.visible: hovered
                        ToolTip.text: "Attach to this conversation: its text goes into the prompt"
                        onClicked: attachmentController.attachDocument(modelData.id)
                    }
                    ToolButton {
                        text: "\u2715"
                        ToolTip.visible: hovered
                        ToolTip.text: "Remove this document"
                        onClicked: ingestionController.removeDocument(modelData.id)
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: documentList.count === 0
                text: "No documents yet"
                color: Theme.textMuted
            }
        }

        ProblemList {
            Layout.fillWidth: true
            Layout.preferredHeight: 180
            visible: ingestionController.problems.length > 0
        }
    }

    CitationViewer {
        id: viewer
    }
}
