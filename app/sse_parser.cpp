#include "app/sse_parser.hpp"

namespace fathom::app {

std::vector<SseEvent> SseParser::feed(const QByteArray& bytes) {
    std::vector<SseEvent> out;
    qsizetype start = 0;
    if (skipLineFeed_ && !bytes.isEmpty() && bytes.front() == '\n') start = 1;
    skipLineFeed_ = false;
    // Lines end at "\r\n", "\n" or "\r" (the SSE grammar allows all three).
    for (qsizetype i = start; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (c != '\n' && c != '\r') continue;
        buffer_.append(bytes.constData() + start, i - start);
        takeLine(buffer_, out);
        buffer_.clear();
        if (c == '\r') {
            if (i + 1 < bytes.size()) {
                if (bytes[i + 1] == '\n') ++i;
            } else {
                skipLineFeed_ = true;
            }
        }
        start = i + 1;
    }
    buffer_.append(bytes.constData() + start, bytes.size() - start);
    return out;
}

std::vector<SseEvent> SseParser::finish() {
    std::vector<SseEvent> out;
    if (!buffer_.isEmpty()) {
        takeLine(buffer_, out);
        buffer_.clear();
    }
    dispatch(out);
    skipLineFeed_ = false;
    return out;
}

void SseParser::takeLine(const QByteArray& line, std::vector<SseEvent>& out) {
    if (line.isEmpty()) {
        dispatch(out);
        return;
    }
    if (line.front() == ':') return;  // a comment: keep-alives look like this
    const qsizetype colon = line.indexOf(':');
    const QByteArray field = colon < 0 ? line : line.left(colon);
    QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
    if (value.startsWith(' ')) value.remove(0, 1);
    if (field == "data") {
        if (haveData_) data_.append('\n');
        data_.append(value);
        haveData_ = true;
    } else if (field == "event") {
        event_ = QString::fromUtf8(value);
    }
    // id and retry matter to browsers reconnecting; a chat completion is never resumed, so they are ignored.
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
    if (haveData_) out.push_back({event_, data_});
    data_.clear();
    event_.clear();
    haveData_ = false;
}

}  // namespace fathom::app
