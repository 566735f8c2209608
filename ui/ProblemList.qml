// What the last (or chosen) ingest skipped or had trouble with, one line per file or page, with the reason.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    objectName: "problemList"
    radius: Theme.radius
    color: Theme.noticeBackground
    border.color: Theme.noticeBorder

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacingSmall
        spacing: 2
        Label {
            Layout.fillWidth: true
            text: "Skipped or with problems \u2014 " + ingestionController.problemsTitle
            elide: Text.ElideRight
            font.bold: true
            color: Theme.text
        }
        ListView {
            id: list
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: ingestionController.problems
            ScrollBar.vertical: ScrollBar {}
            delegate: Label {
                required property var modelData
                width: list.width
                wrapMode: Text.Wrap
                textFormat: Text.PlainText
                font.pixelSize: Theme.fontSmall
                color: Theme.text
                text: modelData.path + ": " + modelData.reason
            }
        }
    }
}
