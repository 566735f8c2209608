// The JSON body of a streamed /v1/chat/completions request made from a GenerationRequest: the turns as
// messages, sampling, and Fathom's reasoning mode in the form the server understands (see reasoningFields).
#pragma once

#include "app/generation_request.hpp"
#include "app/remote_http.hpp"

#include <QByteArray>
#include <QJsonObject>

namespace fathom::app {

// How the server is told the reasoning mode.
// - vLLM and SGLang serving V4 (and most OpenAI-compatible servers): the chat template's own switches in
//   chat_template_kwargs: {"thinking": false} for standard, {"thinking": true} for think, and
//   {"thinking": true, "reasoning_effort": "max"} for think-max (V4's encoder then adds the think-max
//   instruction block, as the local chat format does).
// - DeepSeek's own API (a host ending in deepseek.com), which has no chat template to pass arguments to:
//   {"thinking": {"type": "enabled"|"disabled"}} and a top-level "reasoning_effort": "max" for think-max.
// Returns the fields to merge into the body.
QJsonObject reasoningFields(const QString& mode, const QUrl& baseUrl);

// The request body: model, messages (role and content only: earlier reasoning is dropped, as the V4 chat
// format does, and the DeepSeek API rejects it in input), stream with usage, temperature, top_p, max_tokens.
QByteArray chatCompletionBody(const GenerationRequest& request, const RemoteEndpoint& endpoint);

}  // namespace fathom::app
