// Settings › Replies: the local model or an OpenAI-compatible server (vLLM or SGLang on a cluster, the DeepSeek
// API): its address, model (Fetch models lists the server's), API key, and Test connection with its result.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: section
    objectName: "remoteServerSettings"
    readonly property var remote: settingsController.remote
    implicitHeight: grid.implicitHeight + 2 * Theme.spacingLarge
    radius: Theme.radius
    color: Theme.window
    border.color: Theme.border

    GridLayout {
        id: grid
        anchors.fill: parent
        anchors.margins: Theme.spacingLarge
        columns: 3
        columnSpacing: Theme.spacing
        rowSpacing: Theme.spacingSmall

        Label {
            text: "Replies come from"
            font.pixelSize: Theme.fontTitle
            font.weight: Font.DemiBold
            color: Theme.text
            Layout.columnSpan: 3
        }
        RowLayout {
            Layout.columnSpan: 3
            spacing: Theme.spacing
            RadioButton {
                objectName: "useLocalModelRadio"
                text: "The local model"
                checked: !section.remote.useRemote
                onToggled: if (checked) section.remote.useRemote = false
            }
            RadioButton {
                objectName: "useRemoteServerRadio"
                text: "A remote server (vLLM, SGLang, DeepSeek API)"
                checked: section.remote.useRemote
                onToggled: if (checked) section.remote.useRemote = true
            }
        }

        Label { text: "Server"; color: Theme.text }
        TextField {
            objectName: "remoteBaseUrlField"
            Accessible.name: "Server address"
            placeholderText: "http://gpu-box:8000"
            text: section.remote.baseUrl
            selectByMouse: true
            Layout.fillWidth: true
            onEditingFinished: section.remote.baseUrl = text
        }
        Button {
            objectName: "testConnectionButton"
            text: "Test connection"
            enabled: !section.remote.probing
            onClicked: section.remote.testConnection()
        }

        Label { text: "Model"; color: Theme.text }
        TextField {
            objectName: "remoteModelField"
            Accessible.name: "Remote model name"
            placeholderText: "deepseek-ai/DeepSeek-V4-Flash"
            text: section.remote.model
            selectByMouse: true
            Layout.fillWidth: true
            onEditingFinished: section.remote.model = text
        }
        Button {
            objectName: "fetchModelsButton"
            text: "Fetch models"
            enabled: !section.remote.probing
            onClicked: section.remote.fetchModels()
        }

        Item { visible: modelsBox.visible; implicitWidth: 1 }
        ComboBox {
            id: modelsBox
            objectName: "remoteModelsBox"
            Accessible.name: "Models the server serves"
            visible: section.remote.models.length > 0
            model: section.remote.models
            currentIndex: Math.max(0, section.remote.models.indexOf(section.remote.model))
            Layout.fillWidth: true
            onActivated: index => section.remote.model = section.remote.models[index]
        }
        Item { visible: modelsBox.visible; implicitWidth: 1 }

        Label { text: "API key"; color: Theme.text }
        TextField {
            objectName: "remoteApiKeyField"
            Accessible.name: "API key"
            placeholderText: "optional"
            echoMode: TextInput.Password
            text: section.remote.apiKey
            selectByMouse: true
            Layout.fillWidth: true
            onEditingFinished: section.remote.apiKey = text
        }
        Item { implicitWidth: 1 }

        Label {
            objectName: "remoteProbeText"
            visible: text.length > 0
            text: section.remote.probeText
            wrapMode: Text.Wrap
            color: section.remote.probeOk ? Theme.statusReady : Theme.textMuted
            Layout.columnSpan: 3
            Layout.fillWidth: true
        }
        Label {
            objectName: "remoteProblemText"
            visible: section.remote.useRemote && text.length > 0
            text: section.remote.problem.length > 0 ? "Not ready: " + section.remote.problem + "." : ""
            wrapMode: Text.Wrap
            color: Theme.errorText
            Layout.columnSpan: 3
            Layout.fillWidth: true
        }
        Label {
            text: "The API key is stored unencrypted in Fathom's database in your data folder."
            font.pixelSize: Theme.fontSmall
            wrapMode: Text.Wrap
            color: Theme.textMuted
            Layout.columnSpan: 3
            Layout.fillWidth: true
        }
    }
}
