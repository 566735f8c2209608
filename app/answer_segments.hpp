// AnswerSegments: a reply's Markdown split into prose and fenced code blocks, so the chat can show each code
// block in its own monospace box with a Copy button. Streaming-safe: a fence not closed yet is a code block so far.
#pragma once

#include <QString>
#include <QVariantList>

#include <vector>

namespace fathom::app {

struct AnswerSegment {
    enum class Kind { text, code };
    Kind kind = Kind::text;
    QString text;      // prose as Markdown; code exactly as written between the fences (no final newline)
    QString language;  // the fence's info word ("cpp"), empty when none
    bool closed = true;  // false for a code block whose closing fence has not arrived (yet)
};

// Fences follow CommonMark: ``` or ~~~ (three or more) after at most three spaces; the closing fence uses the
// same character, at least as many, and nothing else on its line. Prose that is only whitespace is dropped.
std::vector<AnswerSegment> splitAnswer(const QString& markdown);

// The text of the `block`-th code block (0-based), or an empty string when there is no such block.
QString codeBlockText(const QString& markdown, int block);

// For QML: a list of maps {kind: "text"|"code", text, language, closed, block (the code block's ordinal)}.
QVariantList answerSegmentsForQml(const QString& markdown);

}  // namespace fathom::app
