// What the chat asks the engine worker for (a conversation, a mode, sampling) and what comes back (the
// reply split into reasoning and answer, with the statistics stored beside the message).
#pragma once

#include <QMetaType>
#include <QString>

#include <cstdint>
#include <vector>

namespace fathom::app {

struct ChatTurn {
    QString role;  // system, user, assistant
    QString content;
    QString reasoning;  // assistant turns; the chat format decides whether it goes into the prompt
};

struct GenerationRequest {
    std::vector<ChatTurn> turns;  // ends with the user turn to answer
    QString mode = QStringLiteral("standard");
    double temperature = 1.0, topP = 1.0;
    uint64_t seed = 0;
    int64_t maxNewTokens = 512;
    // The context the prompt and reply may fill (Settings' context length); 0: the model's own maximum. The reply
    // stops when it reaches it (finish reason "length").
    int64_t contextLimit = 0;
    // The first turn is a block of attached documents: its state is also stored in the prefix cache on its own,
    // so any conversation with the same documents starts from it.
    bool firstTurnIsDocuments = false;
};

struct GenerationResult {
    QString reasoning, answer, mode;
    int64_t promptTokens = 0, completionTokens = 0, reasoningTokens = 0;
    double prefillMs = 0, decodeMs = 0, timeToFirstTokenMs = 0;
    QString finishReason;  // stop, length, cancelled
    int64_t contextUsed = 0;  // tokens in the session after the reply
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::GenerationResult)
