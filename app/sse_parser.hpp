// SseParser: turns a text/event-stream body, fed in whatever pieces the network delivers, into whole events.
// Bytes are buffered until a line ends, so a line (or a UTF-8 character) split across packets is never cut.
#pragma once

#include <QByteArray>
#include <QString>

#include <vector>

namespace fathom::app {

struct SseEvent {
    QString event;      // the `event:` field; empty for the default "message"
    QByteArray data;    // the `data:` lines joined by '\n' (an OpenAI stream: one JSON chunk or "[DONE]")
};

class SseParser {
public:
    // Appends `bytes` and returns the events they complete (an event ends at a blank line).
    std::vector<SseEvent> feed(const QByteArray& bytes);
    // The body ended: an event still open (no blank line after it) is returned too. Servers that close right
    // after `data: [DONE]` exist, and that last line is worth more than strictness.
    std::vector<SseEvent> finish();
    // Bytes held back waiting for their line's end (tests; a guard against a server that never ends a line).
    qsizetype pendingBytes() const { return buffer_.size(); }

private:
    void takeLine(const QByteArray& line, std::vector<SseEvent>& out);
    void dispatch(std::vector<SseEvent>& out);

    QByteArray buffer_;         // an unfinished line
    bool skipLineFeed_ = false; // the last piece ended with '\r': a '\n' starting the next one belongs to it
    QByteArray data_;
    QString event_;
    bool haveData_ = false;
};

}  // namespace fathom::app
