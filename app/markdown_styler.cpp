#include "app/markdown_styler.hpp"

#include <QQuickTextDocument>
#include <QTextBlock>
#include <QTextCharFormat>
#include <QTextCursor>
#include <QTextDocument>

namespace fathom::app {

int MarkdownStyler::styleCodeBlocks(QQuickTextDocument* document, const QColor& background) const {
    if (!document || !document->textDocument()) return 0;
    QTextDocument* doc = document->textDocument();
    int styled = 0;
    for (QTextBlock block = doc->begin(); block.isValid(); block = block.next()) {
        const QTextBlockFormat format = block.blockFormat();
        // The Markdown importer marks fenced and indented code blocks with these properties.
        if (!format.hasProperty(QTextFormat::BlockCodeFence) && !format.hasProperty(QTextFormat::BlockCodeLanguage))
            continue;
        ++styled;
        // Already tinted by an earlier call (a streamed reply is restyled on every update): no relayout.
        if (format.background().color() == background) continue;
        QTextBlockFormat code;
        code.setBackground(background);
        code.setLeftMargin(8);
        code.setRightMargin(8);
        QTextCursor cursor(block);
        cursor.mergeBlockFormat(code);
        // Qt Quick's TextEdit paints character backgrounds but not block ones: tint the characters too.
        cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
        QTextCharFormat text;
        text.setBackground(background);
        cursor.mergeCharFormat(text);
    }
    return styled;
}

}  // namespace fathom::app
