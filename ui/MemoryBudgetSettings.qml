// Settings section: the host (RAM) and GPU memory budgets, in GB (empty or 0: no budget). A model whose
// weights exceed the host budget or the free memory is not loaded without asking.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
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
            text: "Memory"
            font.pixelSize: Theme.fontTitle
            font.weight: Font.DemiBold
            color: Theme.text
            Layout.columnSpan: 3
        }
        Label {
            objectName: "memoryBudgetNote"
            text: "Before loading, the model's weights are compared with the free memory (" + memoryBudget.availableText
                  + ") and the host budget; if they do not fit you are asked first. Empty or 0: no budget."
            wrapMode: Text.Wrap
            color: Theme.textMuted
            Layout.columnSpan: 3
            Layout.fillWidth: true
        }
        Label { text: "Host memory (RAM)"; color: Theme.text }
        TextField {
            objectName: "hostBudgetField"
            Accessible.name: "Host memory budget in gigabytes"
            placeholderText: "no budget"
            text: memoryBudget.hostBudgetGb > 0 ? memoryBudget.hostBudgetGb : ""
            validator: DoubleValidator { bottom: 0; decimals: 2; notation: DoubleValidator.StandardNotation }
            selectByMouse: true
            Layout.preferredWidth: 120
            onEditingFinished: memoryBudget.hostBudgetGb = text.length > 0 ? Number(text) : 0
        }
        Label { text: "GB (routed experts beyond it are read from the checkpoint file instead of pinned RAM)"; color: Theme.textMuted; wrapMode: Text.Wrap; Layout.fillWidth: true }
        Label { text: "GPU memory"; color: Theme.text }
        TextField {
            objectName: "gpuBudgetField"
            Accessible.name: "GPU memory budget in gigabytes"
            placeholderText: "no budget"
            text: memoryBudget.gpuBudgetGb > 0 ? memoryBudget.gpuBudgetGb : ""
            validator: DoubleValidator { bottom: 0; decimals: 2; notation: DoubleValidator.StandardNotation }
            selectByMouse: true
            Layout.preferredWidth: 120
            onEditingFinished: memoryBudget.gpuBudgetGb = text.length > 0 ? Number(text) : 0
        }
        Label { text: "GB (dense weights first, then as many routed experts as fit; the rest run from host RAM; applies at the next load)"; color: Theme.textMuted; wrapMode: Text.Wrap; Layout.fillWidth: true }
        MemoryWarning {
            namePrefix: "settingsMemoryWarning"
            Layout.columnSpan: 3
            Layout.fillWidth: true
        }
    }
}
