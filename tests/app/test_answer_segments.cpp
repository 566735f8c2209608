// The answer splitter: prose and fenced code blocks (``` and ~~~, info words, indentation), a fence still
// open while tokens stream, inline triple backticks that are not fences, and code-block lookup for Copy.
#include "app/answer_segments.hpp"

#include <QTest>

using fathom::app::AnswerSegment;
using fathom::app::codeBlockText;
using fathom::app::splitAnswer;

class AnswerSegmentsTest : public QObject {
    Q_OBJECT

private slots:
    void proseOnlyIsOneTextSegment() {
        const auto s = splitAnswer(QStringLiteral("Just **words**,\nno code."));
        QCOMPARE(s.size(), size_t(1));
        QCOMPARE(s[0].kind, AnswerSegment::Kind::text);
        QCOMPARE(s[0].text, QStringLiteral("Just **words**,\nno code."));
        QVERIFY(splitAnswer(QString()).empty());
    }

    void fencedBlocksBetweenProse() {
        const QString md = QStringLiteral(
            "Here:\n\n```cpp\nfor (int x : v)\n    total += x;\n```\n\nand shell:\n~~~~ bash extra\nls -l\n```\nstill code\n~~~~\nEnd.");
        const auto s = splitAnswer(md);
        QCOMPARE(s.size(), size_t(5));
        QCOMPARE(s[0].text, QStringLiteral("Here:\n"));
        QCOMPARE(s[1].kind, AnswerSegment::Kind::code);
        QCOMPARE(s[1].language, QStringLiteral("cpp"));
        QCOMPARE(s[1].text, QStringLiteral("for (int x : v)\n    total += x;"));
        QVERIFY(s[1].closed);
        QCOMPARE(s[2].text, QStringLiteral("\nand shell:"));
        QCOMPARE(s[3].language, QStringLiteral("bash"));
        QCOMPARE(s[3].text, QStringLiteral("ls -l\n```\nstill code"));  // a ``` line does not close a ~~~~ fence
        QCOMPARE(s[4].text, QStringLiteral("End."));
        QCOMPARE(codeBlockText(md, 0), QStringLiteral("for (int x : v)\n    total += x;"));
        QCOMPARE(codeBlockText(md, 1), QStringLiteral("ls -l\n```\nstill code"));
        QCOMPARE(codeBlockText(md, 2), QString());
    }

    void anOpenFenceWhileStreamingIsCodeSoFar() {
        QString md = QStringLiteral("Try:\n```python\nprint(1)\npri");
        auto s = splitAnswer(md);
        QCOMPARE(s.size(), size_t(2));
        QCOMPARE(s[1].kind, AnswerSegment::Kind::code);
        QVERIFY(!s[1].closed);
        QCOMPARE(s[1].text, QStringLiteral("print(1)\npri"));
        // The closing fence arriving a character at a time never shows up as code.
        md = QStringLiteral("Try:\n```python\nprint(1)\n``");
        s = splitAnswer(md);
        QCOMPARE(s[1].text, QStringLiteral("print(1)"));
        QVERIFY(!s[1].closed);
        md += QStringLiteral("`\nDone");
        s = splitAnswer(md);
        QCOMPARE(s.size(), size_t(3));
        QVERIFY(s[1].closed);
        QCOMPARE(s[2].text, QStringLiteral("Done"));
        // Only the fence so far: an empty code block, no stray text.
        s = splitAnswer(QStringLiteral("```"));
        QCOMPARE(s.size(), size_t(1));
        QCOMPARE(s[0].kind, AnswerSegment::Kind::code);
        QCOMPARE(s[0].text, QString());
    }

    void notFences() {
        // Inline triple backticks, two backticks, and four spaces of indentation are prose for this splitter.
        for (const char* md : {"use ```x``` inline", "``\nnot a fence\n``", "    ```\n    indented code\n    ```"}) {
            const auto s = splitAnswer(QString::fromUtf8(md));
            QCOMPARE(s.size(), size_t(1));
            QCOMPARE(s[0].kind, AnswerSegment::Kind::text);
        }
    }

    void indentedFenceUnindentsItsContent() {
        const auto s = splitAnswer(QStringLiteral("  ```\n  a\n    b\n c\n  ```"));
        QCOMPARE(s.size(), size_t(1));
        QCOMPARE(s[0].text, QStringLiteral("a\n  b\nc"));
    }

    void blankLinesInsideCodeAreKept() {
        const auto s = splitAnswer(QStringLiteral("```\n\nx = 1\n\n\ny = 2\n\n```"));
        QCOMPARE(s.size(), size_t(1));
        QCOMPARE(s[0].text, QStringLiteral("\nx = 1\n\n\ny = 2\n"));
    }
};

QTEST_GUILESS_MAIN(AnswerSegmentsTest)
#include "test_answer_segments.moc"
