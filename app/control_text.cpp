#include "app/control_text.hpp"

#include "fathom/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

namespace fathom::app {

namespace {
constexpr char kZeroWidthSpace[] = "\xE2\x80\x8B";

size_t utf8Length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 1;
}
}  // namespace

std::vector<std::string> readControlTexts(const std::filesystem::path& tokenizerJson) {
    std::ifstream in(tokenizerJson, std::ios::binary);
    if (!in) throw Error("cannot read '" + tokenizerJson.string() + "'");
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
        throw Error("'" + tokenizerJson.string() + "' is not JSON: " + e.what());
    }
    std::vector<std::string> texts;
    const auto added = json.find("added_tokens");
    if (added == json.end() || !added->is_array())
        throw Error("'" + tokenizerJson.string() + "': \"added_tokens\" is missing or not an array");
    for (const auto& token : *added)
        if (token.contains("content") && token["content"].is_string() && !token["content"].get<std::string>().empty())
            texts.push_back(token["content"].get<std::string>());
    // Longest first, so "<｜end▁of▁sentence｜>" is broken as a whole rather than through a shorter token.
    std::sort(texts.begin(), texts.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return texts;
}

std::string neutralizeControlText(const std::string& text, const std::vector<std::string>& controlTexts,
                                  bool* changed) {
    std::string out;
    out.reserve(text.size());
    bool found = false;
    for (size_t i = 0; i < text.size();) {
        const std::string_view rest(text.data() + i, text.size() - i);
        const auto match = std::find_if(controlTexts.begin(), controlTexts.end(),
                                        [&](const std::string& control) { return rest.starts_with(control); });
        const size_t step = std::min(utf8Length(static_cast<unsigned char>(text[i])), text.size() - i);
        out.append(text, i, step);
        if (match != controlTexts.end()) {
            out += kZeroWidthSpace;
            found = true;
        }
        i += step;
    }
    if (changed) *changed = found;
    return out;
}

}  // namespace fathom::app
