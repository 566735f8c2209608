// The streaming reply splitter: a small state machine over the markers </think>, <｜DSML｜tool_calls>,
// </｜DSML｜tool_calls> and <｜end▁of▁sentence｜>, holding back any tail that could still become a marker.
#include "fathom/chat_format.hpp"

#include <array>

namespace fathom::chat {

namespace {

constexpr std::string_view kThinkEnd = "</think>";
constexpr std::string_view kToolsOpen = "<｜DSML｜tool_calls>";
constexpr std::string_view kToolsClose = "</｜DSML｜tool_calls>";
constexpr std::string_view kEos = "<｜end▁of▁sentence｜>";

// Length of the longest tail of `text` that is a proper prefix of one of the markers.
std::size_t marker_prefix_tail(std::string_view text, std::span<const std::string_view> markers) {
    std::size_t best = 0;
    for (const auto marker : markers)
        for (std::size_t n = std::min(text.size(), marker.size() - 1); n > best; --n)
            if (text.substr(text.size() - n) == marker.substr(0, n)) {
                best = n;
                break;
            }
    return best;
}

// Bytes at the end of `bytes` that start a UTF-8 character whose remaining bytes have not arrived.
std::size_t incomplete_utf8_tail(std::string_view bytes) {
    for (std::size_t back = 1; back <= std::min<std::size_t>(3, bytes.size()); ++back) {
        const auto b = static_cast<unsigned char>(bytes[bytes.size() - back]);
        if ((b & 0xC0) == 0x80) continue;  // a continuation byte: look further back for the lead
        const std::size_t need = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xC2 && b <= 0xDF ? 2 : 1;
        return need > back ? back : 0;
    }
    return 0;
}

}  // namespace

OutputSplitter::OutputSplitter(Mode mode) : state_(mode == Mode::standard ? State::answer : State::reasoning) {}

void OutputSplitter::emit(OutputDelta& delta, std::string_view text) {
    if (text.empty()) return;
    if (state_ == State::reasoning) {
        delta.reasoning += text;
        reasoning_ += text;
    } else {
        delta.answer += text;
        answer_ += text;
    }
}

void OutputSplitter::advance(OutputDelta& delta, bool at_end) {
    auto add_calls = [&](std::vector<ToolCall> calls) {
        for (auto& call : calls) {
            delta.tool_calls.push_back(call);
            tool_calls_.push_back(std::move(call));
        }
    };
    auto close_unfinished_block = [&](std::string_view body) {
        auto calls = parse_dsml_tool_calls(body);
        if (calls.empty()) calls.push_back(ToolCall{});
        if (calls.back().error.empty())
            calls.back().error = "the reply ended inside a <｜DSML｜tool_calls> block";
        add_calls(std::move(calls));
    };
    for (;;) {
        if (state_ == State::ended) {
            pending_.clear();
            return;
        }
        std::array<std::string_view, 2> markers{};
        if (state_ == State::reasoning) markers = {kThinkEnd, kEos};
        else if (state_ == State::answer) markers = {kToolsOpen, kEos};
        else markers = {kToolsClose, kEos};

        std::size_t found = std::string::npos;
        std::string_view marker;
        for (const auto m : markers) {
            const auto at = pending_.find(m);
            if (at < found) {
                found = at;
                marker = m;
            }
        }
        if (found == std::string::npos) {
            if (state_ == State::tool_block) {
                if (at_end) {
                    close_unfinished_block(pending_);
                    pending_.clear();
                }
                return;  // a block is given out whole, when it closes
            }
            const std::size_t hold = at_end ? 0 : marker_prefix_tail(pending_, markers);
            emit(delta, std::string_view(pending_).substr(0, pending_.size() - hold));
            pending_.erase(0, pending_.size() - hold);
            return;
        }
        const std::string before = pending_.substr(0, found);
        pending_.erase(0, found + marker.size());
        if (state_ == State::tool_block) {
            if (marker == kToolsClose) {
                add_calls(parse_dsml_tool_calls(before));
                state_ = State::answer;
            } else {
                close_unfinished_block(before);
                state_ = State::ended;
            }
            continue;
        }
        emit(delta, before);
        if (marker == kEos) state_ = State::ended;
        else if (marker == kThinkEnd) state_ = State::answer;
        else state_ = State::tool_block;
    }
}

OutputDelta OutputSplitter::feed(std::string_view text) {
    OutputDelta delta;
    pending_ += text;
    advance(delta, false);
    return delta;
}

OutputDelta OutputSplitter::feed_tokens(std::span<const TokenId> ids, const Tokenizer& tokenizer) {
    std::string bytes = partial_utf8_ + tokenizer.decode(ids);
    const std::size_t hold = incomplete_utf8_tail(bytes);
    partial_utf8_ = bytes.substr(bytes.size() - hold);
    bytes.resize(bytes.size() - hold);
    return feed(bytes);
}

OutputDelta OutputSplitter::finish() {
    OutputDelta delta;
    pending_ += partial_utf8_;
    partial_utf8_.clear();
    advance(delta, true);
    return delta;
}

}  // namespace fathom::chat
