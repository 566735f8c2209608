// The shared palette, type scale and spacing, so the views agree on one visual hierarchy.
// Light or dark follows the system: a dark system palette (its window colour) selects the dark set.
pragma Singleton
import QtQuick

QtObject {
    readonly property SystemPalette systemPalette: SystemPalette { colorGroup: SystemPalette.Active }
    readonly property bool dark: systemPalette.window.hslLightness < 0.5

    readonly property color accent: dark ? "#8c9eff" : "#3f51b5"
    readonly property color accentSoft: dark ? "#2f3552" : "#e8eaf6"
    readonly property color window: dark ? "#1c1e24" : "#ffffff"
    readonly property color sidebar: dark ? "#23262e" : "#f4f5f9"
    readonly property color sidebarSelected: dark ? "#333848" : "#e3e6f3"
    readonly property color sidebarHover: dark ? "#2b2f3a" : "#eceef5"
    readonly property color border: dark ? "#363a46" : "#e0e2ea"
    readonly property color text: dark ? "#e6e8ef" : "#1f2330"
    readonly property color textMuted: dark ? "#9aa0b4" : "#6b7185"
    readonly property color userBubble: dark ? "#2a2f45" : "#eef0fb"
    readonly property color codeBackground: dark ? "#2e323d" : "#eceef4"
    readonly property color reasoningBackground: dark ? "#22252d" : "#f7f8fb"
    readonly property color noticeBackground: dark ? "#3a3320" : "#fff8e1"
    readonly property color noticeBorder: dark ? "#6b5a26" : "#f0d98c"
    readonly property color noticeText: dark ? "#f0dca0" : "#5d4a00"
    readonly property color errorBackground: dark ? "#3d2220" : "#fdecea"
    readonly property color errorBorder: dark ? "#7a3a33" : "#f5b7b1"
    readonly property color errorText: dark ? "#ffb4a9" : "#8e1c12"
    readonly property color statusIdle: "#9aa0b4"
    readonly property color statusReady: dark ? "#66bb6a" : "#2e7d32"
    readonly property color statusBusy: "#f9a825"

    readonly property int spacingSmall: 6
    readonly property int spacing: 12
    readonly property int spacingLarge: 20
    readonly property int radius: 10

    // The type scale follows the system font: a larger desktop font (in points) makes every size larger,
    // a smaller one never shrinks the design's sizes below legibility.
    readonly property real fontScale: Math.max(1, Qt.application.font.pointSizeF > 0 ? Qt.application.font.pointSizeF / 10
                                                                                      : Qt.application.font.pixelSize / 14)
    readonly property int fontSmall: Math.round(12 * fontScale)
    readonly property int fontBody: Math.round(14 * fontScale)
    readonly property int fontTitle: Math.round(18 * fontScale)
    readonly property int fontHeading: Math.round(22 * fontScale)
}
