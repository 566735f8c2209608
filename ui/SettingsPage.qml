// Settings: the model folder for now (a text field and a folder dialog); budgets and sampling come later.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts

Item {
    id: page
    objectName: "settingsPage"
    signal close()

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacingLarge
        spacing: Theme.spacing

        Label {
            text: "Settings"
            font.pixelSize: Theme.fontHeading
            font.weight: Font.DemiBold
            color: Theme.text
        }

        Rectangle {
            Layout.fillWidth: true
            Layout.maximumWidth: 760
            implicitHeight: section.implicitHeight + 2 * Theme.spacingLarge
            radius: Theme.radius
            color: Theme.window
            border.color: Theme.border

            ColumnLayout {
                id: section
                anchors.fill: parent
                anchors.margins: Theme.spacingLarge
                spacing: Theme.spacingSmall

                Label {
                    text: "Model"
                    font.pixelSize: Theme.fontTitle
                    font.weight: Font.DemiBold
                    color: Theme.text
                }
                Label {
                    text: "A folder holding a DeepSeek V4 checkpoint: config.json, tokenizer.json and the .safetensors shards."
                    wrapMode: Text.Wrap
                    color: Theme.textMuted
                    Layout.fillWidth: true
                }
                RowLayout {
                    Layout.fillWidth: true
                    Layout.topMargin: Theme.spacingSmall
                    spacing: Theme.spacing
                    TextField {
                        id: folderField
                        objectName: "modelFolderField"
                        Accessible.name: "Model folder"
                        placeholderText: "/path/to/DeepSeek-V4"
                        text: settingsController.modelFolder
                        selectByMouse: true
                        Layout.fillWidth: true
                        onEditingFinished: settingsController.modelFolder = text
                    }
                    Button {
                        objectName: "browseModelFolderButton"
                        Accessible.name: "Browse for model folder"
                        text: "Browse\u2026"
                        onClicked: folderDialog.open()
                    }
                }
                Label {
                    objectName: "modelFolderNote"
                    visible: text.length > 0
                    text: settingsController.modelFolderNote
                    wrapMode: Text.Wrap
                    color: Theme.textMuted
                    Layout.fillWidth: true
                }
            }
        }

        Item { Layout.fillHeight: true }
    }

    FolderDialog {
        id: folderDialog
        objectName: "modelFolderDialog"
        title: "Choose the model folder"
        onAccepted: settingsController.setModelFolderUrl(selectedFolder)
    }
}
