// MarkdownStyler: Qt's Markdown import gives code blocks a monospace font and nothing else; this tints
// their background and indents them so a reply's code stands apart from its prose. QML calls it after
// each change of a Markdown TextEdit's text (context property markdownStyler).
#pragma once

#include <QColor>
#include <QObject>

class QQuickTextDocument;

namespace fathom::app {

class MarkdownStyler : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    // Returns how many code-block lines were styled (tests use it).
    Q_INVOKABLE int styleCodeBlocks(QQuickTextDocument* document, const QColor& background) const;
};

}  // namespace fathom::app
