// The shared palette, type scale and spacing, so the views agree on one visual hierarchy.
pragma Singleton
import QtQuick

QtObject {
    readonly property color accent: "#3f51b5"
    readonly property color accentSoft: "#e8eaf6"
    readonly property color window: "#ffffff"
    readonly property color sidebar: "#f4f5f9"
    readonly property color sidebarSelected: "#e3e6f3"
    readonly property color border: "#e0e2ea"
    readonly property color text: "#1f2330"
    readonly property color textMuted: "#6b7185"
    readonly property color userBubble: "#eef0fb"
    readonly property color reasoningBackground: "#f7f8fb"
    readonly property color noticeBackground: "#fff8e1"
    readonly property color noticeBorder: "#f0d98c"
    readonly property color errorBackground: "#fdecea"
    readonly property color errorBorder: "#f5b7b1"
    readonly property color errorText: "#8e1c12"
    readonly property color statusIdle: "#9aa0b4"

    readonly property int spacingSmall: 6
    readonly property int spacing: 12
    readonly property int spacingLarge: 20
    readonly property int radius: 10

    readonly property int fontSmall: 12
    readonly property int fontBody: 14
    readonly property int fontTitle: 18
    readonly property int fontHeading: 22
}
