// Above the chat: what the model situation means for the user. With no model, the offer of the bundled
// demo model (plainly labelled untrained) and how to use V4-Flash; with the demo loaded, a reminder that
// its replies are noise. Hidden once a real model is loaded.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: notice
    objectName: "modelNotice"
    signal openSettings()

    readonly property bool offerDemo: !modelController.ready && !modelController.loading
    // Replies from a remote server need no local model: no offer, no demo warning.
    visible: (offerDemo || modelController.isDemoModel) && !settingsController.remote.useRemote
    implicitHeight: visible ? content.implicitHeight + 2 * Theme.spacing : 0
    radius: Theme.radius
    color: Theme.noticeBackground
    border.color: Theme.noticeBorder

    RowLayout {
        id: content
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacing

        Label {
            objectName: "modelNoticeText"
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            color: Theme.noticeText
            textFormat: Text.StyledText
            text: notice.offerDemo
                  ? (modelController.demoModelAvailable
                     ? "<b>No model is loaded.</b> Try the bundled demo model: it is <b>untrained</b> (random weights), so its replies are noise, but every part of the chat works with it. "
                       + "For real answers, download DeepSeek-V4-Flash and choose its folder in Settings \u203A Model folder, "
                       + "or point Fathom at a V4 server (vLLM, SGLang) in Settings \u203A Replies come from."
                     : "<b>No model is loaded.</b> Choose a DeepSeek-V4 checkpoint folder (V4-Flash) in Settings \u203A Model folder. "
                       + "(The demo model was not found at " + modelController.demoModelFolder + "; scripts/setup-demo-model.sh creates it.)")
                  : "<b>Demo model:</b> untrained random weights, so the replies below are noise. "
                    + "To chat for real, choose a DeepSeek-V4-Flash folder in Settings \u203A Model folder, or a V4 server in Settings \u203A Replies come from."
        }
        Button {
            objectName: "loadDemoModelButton"
            Accessible.name: "Load the demo model"
            visible: notice.offerDemo && modelController.demoModelAvailable
            text: "Load demo model"
            highlighted: true
            onClicked: modelController.useDemoModel()
        }
        Button {
            objectName: "openModelSettingsButton"
            Accessible.name: "Open model settings"
            text: "Settings"
            flat: true
            onClicked: notice.openSettings()
        }
    }
}
