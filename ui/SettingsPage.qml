// Settings: the model folder (a text field and a folder dialog, or the bundled demo model), sampling
// (temperature and top-p, following the model's defaults until changed), reply and context length, the remote
// server and the memory budgets.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts

Item {
    id: page
    objectName: "settingsPage"
    signal close()

    // The sections outgrow a small window: the page scrolls.
    ScrollView {
        id: scroller
        objectName: "settingsScroller"
        anchors.fill: parent
        contentWidth: availableWidth
        contentHeight: sections.implicitHeight + 2 * Theme.spacingLarge

    ColumnLayout {
        id: sections
        x: Theme.spacingLarge
        y: Theme.spacingLarge
        width: scroller.availableWidth - 2 * Theme.spacingLarge
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
                RowLayout {
                    Layout.fillWidth: true
                    spacing: Theme.spacing
                    Label {
                        text: "No checkpoint yet? The demo model is tiny and untrained: its replies are noise."
                        wrapMode: Text.Wrap
                        color: Theme.textMuted
                        Layout.fillWidth: true
                    }
                    Button {
                        objectName: "settingsDemoModelButton"
                        text: "Use the demo model"
                        enabled: modelController.demoModelAvailable && !modelController.loading
                        onClicked: modelController.useDemoModel()
                    }
                }
            }
        }

        Rectangle {
            Layout.fillWidth: true
            Layout.maximumWidth: 760
            implicitHeight: sampling.implicitHeight + 2 * Theme.spacingLarge
            radius: Theme.radius
            color: Theme.window
            border.color: Theme.border

            GridLayout {
                id: sampling
                anchors.fill: parent
                anchors.margins: Theme.spacingLarge
                columns: 3
                columnSpacing: Theme.spacing
                rowSpacing: Theme.spacingSmall

                Label {
                    text: "Sampling"
                    font.pixelSize: Theme.fontTitle
                    font.weight: Font.DemiBold
                    color: Theme.text
                    Layout.columnSpan: 3
                }
                Label {
                    objectName: "samplingNote"
                    text: settingsController.samplingNote
                    wrapMode: Text.Wrap
                    color: Theme.textMuted
                    Layout.columnSpan: 3
                    Layout.fillWidth: true
                }
                Label { text: "Temperature"; color: Theme.text }
                Slider {
                    objectName: "temperatureSlider"
                    Accessible.name: "Temperature"
                    from: 0
                    to: 2
                    stepSize: 0.05
                    value: settingsController.temperature
                    Layout.fillWidth: true
                    onMoved: settingsController.temperature = value
                }
                Label { text: settingsController.temperature.toFixed(2); color: Theme.textMuted; Layout.preferredWidth: 40 }
                Label { text: "Top-p"; color: Theme.text }
                Slider {
                    objectName: "topPSlider"
                    Accessible.name: "Top-p"
                    from: 0.05
                    to: 1
                    stepSize: 0.05
                    value: settingsController.topP
                    Layout.fillWidth: true
                    onMoved: settingsController.topP = value
                }
                Label { text: settingsController.topP.toFixed(2); color: Theme.textMuted; Layout.preferredWidth: 40 }
                Label { text: "Reply length"; color: Theme.text }
                SpinBox {
                    objectName: "maxReplyTokensBox"
                    Accessible.name: "Longest reply in tokens"
                    from: 16
                    to: 32768
                    stepSize: 64
                    editable: true
                    value: settingsController.maxReplyTokens
                    onValueModified: settingsController.maxReplyTokens = value
                }
                Label { text: "tokens at most"; color: Theme.textMuted }
                Label { text: "Context length"; color: Theme.text }
                TextField {
                    id: contextLengthField
                    objectName: "contextLengthField"
                    Accessible.name: "Context length in tokens"
                    // Empty: the loaded model's maximum.
                    text: settingsController.contextLength > 0 ? String(settingsController.contextLength) : ""
                    placeholderText: modelController.maxContext > 0 ? modelController.maxContext + " (the model's maximum)"
                                                                    : "the model's maximum"
                    validator: IntValidator { bottom: 0; top: 16777216 }
                    selectByMouse: true
                    Layout.fillWidth: true
                    onEditingFinished: {
                        settingsController.contextLength = text.length > 0 ? parseInt(text) : 0
                        text = Qt.binding(function() {
                            return settingsController.contextLength > 0 ? String(settingsController.contextLength) : ""
                        })
                    }
                }
                Label { text: "tokens"; color: Theme.textMuted }
                Label {
                    objectName: "contextLengthNote"
                    Layout.columnSpan: 3
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.textMuted
                    readonly property int chosen: settingsController.contextLength
                    readonly property int maximum: modelController.maxContext
                    text: chosen <= 0
                          ? (maximum > 0 ? "The prompt, its documents and the reply may fill the model's whole context: "
                                           + maximum + " tokens."
                                         : "The loaded model's maximum; no model is loaded, so attached documents "
                                           + "cannot be measured until one is or a length is set here.")
                          : (maximum <= 0 ? "The prompt, its documents and the reply stop at " + chosen
                                            + " tokens; a loaded model's maximum bounds it."
                                          : chosen > maximum ? "Bounded by the model's maximum: " + maximum + " tokens."
                                                             : "The prompt, its documents and the reply stop at " + chosen
                                                               + " of the model's " + maximum + " tokens.")
                }
                Button {
                    objectName: "useModelContextButton"
                    text: "Use the model's maximum"
                    flat: true
                    visible: settingsController.contextLength > 0
                    onClicked: settingsController.contextLength = 0
                    Layout.columnSpan: 3
                }
                Button {
                    objectName: "useModelSamplingButton"
                    text: "Use the model's defaults"
                    flat: true
                    enabled: !settingsController.samplingFromModel
                    onClicked: settingsController.useModelSampling()
                    Layout.columnSpan: 3
                }
            }
        }

        RemoteServerSettings {
            Layout.fillWidth: true
            Layout.maximumWidth: 760
        }

        MemoryBudgetSettings {
            Layout.fillWidth: true
            Layout.maximumWidth: 760
        }

        Item { Layout.fillHeight: true }
    }
    }

    FolderDialog {
        id: folderDialog
        objectName: "modelFolderDialog"
        title: "Choose the model folder"
        onAccepted: settingsController.setModelFolderUrl(selectedFolder)
    }
}
