// SseParser on its own: the same events whatever the packet boundaries (byte by byte, inside a CRLF, inside a
// UTF-8 character), all three line endings, comments, multi-line data, and an event left open at the end.
#include "app/sse_parser.hpp"

#include <QTest>

using fathom::app::SseEvent;
using fathom::app::SseParser;

namespace {
std::vector<SseEvent> feedInPieces(const QByteArray& body, int step) {
    SseParser parser;
    std::vector<SseEvent> events;
    for (qsizetype at = 0; at < body.size(); at += step)
        for (auto& e : parser.feed(body.mid(at, step))) events.push_back(e);
    for (auto& e : parser.finish()) events.push_back(e);
    return events;
}

QByteArrayList datas(const std::vector<SseEvent>& events) {
    QByteArrayList out;
    for (const auto& e : events) out << e.data;
    return out;
}
}  // namespace

class SseParserTest : public QObject {
    Q_OBJECT
private slots:
    void sameEventsForEveryPacketSize() {
        const QByteArray body = QByteArray("data: {\"delta\":\"caf\xC3\xA9 \xE2\x86\x92 ok\"}\r\n\r\n"
                                           ": keep-alive\r\n\r\n"
                                           "data: {\"n\":2}\n\n"
                                           "data: [DONE]\r\n\r\n");
        const QByteArrayList expected{QByteArray("{\"delta\":\"caf\xC3\xA9 \xE2\x86\x92 ok\"}"), "{\"n\":2}", "[DONE]"};
        for (int step = 1; step <= body.size(); ++step)
            QCOMPARE(datas(feedInPieces(body, step)), expected);
    }

    void aCrLfSplitBetweenPacketsIsOneLineEnd() {
        SseParser parser;
        QVERIFY(parser.feed("data: a\r").empty());
        // The '\n' completing "\r\n" must not read as a second, empty line (which would end the event early).
        QVERIFY(parser.feed("\ndata: b\r").empty());
        const auto events = parser.feed("\n\r\n");
        QCOMPARE(events.size(), size_t(1));
        QCOMPARE(events[0].data, QByteArray("a\nb"));
    }

    void carriageReturnsAloneEndLinesToo() {
        QCOMPARE(datas(feedInPieces("data: x\r\rdata: y\r\r", 3)), (QByteArrayList{"x", "y"}));
    }

    void fieldsWithoutSpaceEventNamesAndUnknownFields() {
        SseParser parser;
        const auto events = parser.feed("event: error\nid: 7\nretry: 100\ndata:{\"a\":1}\n\n");
        QCOMPARE(events.size(), size_t(1));
        QCOMPARE(events[0].event, QStringLiteral("error"));
        QCOMPARE(events[0].data, QByteArray("{\"a\":1}"));
    }

    void commentsAndBlankRunsMakeNoEvents() {
        SseParser parser;
        QVERIFY(parser.feed(": ping\n\n\n\n: ping\n\n").empty());
        QVERIFY(parser.finish().empty());
    }

    void anOpenEventIsReturnedAtTheEnd() {
        SseParser parser;
        QVERIFY(parser.feed("data: [DONE]").empty());
        QCOMPARE(parser.pendingBytes(), qsizetype(12));
        const auto events = parser.finish();
        QCOMPARE(events.size(), size_t(1));
        QCOMPARE(events[0].data, QByteArray("[DONE]"));
    }
};

QTEST_GUILESS_MAIN(SseParserTest)
#include "test_remote_sse_parser.moc"
