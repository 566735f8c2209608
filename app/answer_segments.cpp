#include "app/answer_segments.hpp"

#include <QStringList>
#include <QVariantMap>

namespace fathom::app {

namespace {

struct Fence {
    QChar mark;
    qsizetype length = 0;
    qsizetype indent = 0;
    QString info;
};

// An opening fence: up to three spaces, then three or more ` or ~, then an info string (no backtick in it
// for a ` fence, as CommonMark says, so inline code like ```x``` on one line stays prose).
bool openingFence(const QString& line, Fence& fence) {
    qsizetype i = 0;
    while (i < line.size() && i < 4 && line[i] == QLatin1Char(' ')) ++i;
    if (i > 3 || i >= line.size()) return false;
    const QChar mark = line[i];
    if (mark != QLatin1Char('`') && mark != QLatin1Char('~')) return false;
    qsizetype run = 0;
    while (i + run < line.size() && line[i + run] == mark) ++run;
    if (run < 3) return false;
    const QString info = line.mid(i + run).trimmed();
    if (mark == QLatin1Char('`') && info.contains(QLatin1Char('`'))) return false;
    fence = {mark, run, i, info.section(QLatin1Char(' '), 0, 0)};
    return true;
}

bool closingFence(const QString& line, const Fence& open) {
    qsizetype i = 0;
    while (i < line.size() && i < 4 && line[i] == QLatin1Char(' ')) ++i;
    if (i > 3) return false;
    qsizetype run = 0;
    while (i + run < line.size() && line[i + run] == open.mark) ++run;
    return run >= open.length && line.mid(i + run).trimmed().isEmpty();
}

// Content lines lose up to the opening fence's indentation, as CommonMark renders them.
QString unindent(const QString& line, qsizetype indent) {
    qsizetype i = 0;
    while (i < indent && i < line.size() && line[i] == QLatin1Char(' ')) ++i;
    return line.mid(i);
}

void addText(std::vector<AnswerSegment>& out, const QStringList& lines) {
    const QString text = lines.join(QLatin1Char('\n'));
    if (text.trimmed().isEmpty()) return;
    out.push_back({AnswerSegment::Kind::text, text, {}, true});
}

}  // namespace

std::vector<AnswerSegment> splitAnswer(const QString& markdown) {
    std::vector<AnswerSegment> out;
    QStringList prose, code;
    bool inCode = false;
    Fence fence;
    for (const QString& line : markdown.split(QLatin1Char('\n'))) {
        if (!inCode) {
            if (openingFence(line, fence)) {
                addText(out, prose);
                prose.clear();
                code.clear();
                inCode = true;
            } else {
                prose << line;
            }
        } else if (closingFence(line, fence)) {
            out.push_back({AnswerSegment::Kind::code, code.join(QLatin1Char('\n')), fence.info, true});
            inCode = false;
        } else {
            code << unindent(line, fence.indent);
        }
    }
    if (inCode) {
        // Still streaming (or never closed): a code block so far. A half-written closing fence ("``") at the
        // end is not code the user wants to copy.
        if (!code.isEmpty()) {
            const QString last = code.last().trimmed();
            if (!last.isEmpty() && last.size() < fence.length && last.count(fence.mark) == last.size()) code.removeLast();
        }
        out.push_back({AnswerSegment::Kind::code, code.join(QLatin1Char('\n')), fence.info, false});
    } else {
        addText(out, prose);
    }
    return out;
}

QString codeBlockText(const QString& markdown, int block) {
    int seen = 0;
    for (const AnswerSegment& s : splitAnswer(markdown)) {
        if (s.kind != AnswerSegment::Kind::code) continue;
        if (seen++ == block) return s.text;
    }
    return {};
}

QVariantList answerSegmentsForQml(const QString& markdown) {
    QVariantList list;
    int block = 0;
    for (const AnswerSegment& s : splitAnswer(markdown)) {
        const bool code = s.kind == AnswerSegment::Kind::code;
        list.append(QVariantMap{{QStringLiteral("kind"), code ? QStringLiteral("code") : QStringLiteral("text")},
                                {QStringLiteral("text"), s.text},
                                {QStringLiteral("language"), s.language},
                                {QStringLiteral("closed"), s.closed},
                                {QStringLiteral("block"), code ? block++ : -1}});
    }
    return list;
}

}  // namespace fathom::app
