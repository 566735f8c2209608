// JSON text the way Python's json.dumps(value, ensure_ascii=False) writes it (", " and ": " separators, keys
// in their given order), which is how DeepSeek's chat template prints tool schemas and call arguments.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace fathom::tokenizer {

std::string python_json_dumps(const nlohmann::ordered_json& value);

}  // namespace fathom::tokenizer
