// fathom::Tokenizer: tokenizer.json loading and the encode pipeline (added tokens, pre-tokenizer, BPE).
// Repeated pieces are encoded once per call (a local cache), which is most of the speed on prose.
#include "fathom/tokenizer.hpp"

#include "fathom/error.hpp"
#include "tokenizer/added_tokens.hpp"
#include "tokenizer/bpe_model.hpp"
#include "tokenizer/pre_tokenizer.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <unordered_map>

namespace fathom {

struct Tokenizer::Impl {
    tokenizer::PreTokenizer pre;
    tokenizer::BpeModel bpe;
    tokenizer::AddedTokenMatcher added;
    std::unordered_map<std::string, TokenId> added_ids;
    std::vector<std::string> id_bytes;
    std::vector<bool> id_known;

    void encode_section(std::string_view text, std::vector<TokenId>& out,
                        std::unordered_map<std::string_view, std::vector<TokenId>>& cache) const {
        thread_local std::vector<tokenizer::Piece> pieces;
        pieces.clear();
        pre.split(text, pieces);
        for (const auto& piece : pieces) {
            const std::string_view bytes = text.substr(piece.offset, piece.length);
            auto [it, inserted] = cache.try_emplace(bytes);
            if (inserted) bpe.encode_piece(bytes, it->second);
            out.insert(out.end(), it->second.begin(), it->second.end());
        }
    }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::load(const std::filesystem::path& path) {
    const std::string where = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(where + ": cannot open the tokenizer file");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error(where + ": not valid JSON (" + e.what() + ")");
    }
    try {
        auto impl = std::make_unique<Impl>();
        if (doc.contains("normalizer") && !doc["normalizer"].is_null()) {
            const auto& n = doc["normalizer"];
            if (n.value("type", "") != "Sequence" || !n.value("normalizers", nlohmann::json::array()).empty())
                throw Error(where + ": normalizer " + n.dump() + " is not supported (only none)");
        }
        if (!doc.contains("pre_tokenizer")) throw Error(where + ": pre_tokenizer missing");
        impl->pre = tokenizer::PreTokenizer::from_json(doc["pre_tokenizer"]);
        if (!doc.contains("model")) throw Error(where + ": model missing");
        impl->bpe = tokenizer::BpeModel::from_json(doc["model"], where);

        TokenId max_id = -1;
        for (const auto& [id, bytes] : impl->bpe.id_to_bytes()) max_id = std::max(max_id, id);
        const auto added = doc.value("added_tokens", nlohmann::json::array());
        for (const auto& t : added) {
            const auto id = t.at("id").get<TokenId>();
            const auto& content = t.at("content").get_ref<const std::string&>();
            if (t.value("lstrip", false) || t.value("rstrip", false) || t.value("single_word", false))
                throw Error(where + ": added token \"" + content + "\" uses lstrip/rstrip/single_word, not supported");
            impl->added.add(content, id);
            impl->added_ids[content] = id;
            max_id = std::max(max_id, id);
        }
        impl->id_bytes.assign(static_cast<std::size_t>(max_id) + 1, std::string());
        impl->id_known.assign(static_cast<std::size_t>(max_id) + 1, false);
        for (const auto& [id, bytes] : impl->bpe.id_to_bytes()) {
            impl->id_bytes[id] = bytes;
            impl->id_known[id] = true;
        }
        for (const auto& [content, id] : impl->added_ids) {
            impl->id_bytes[id] = content;
            impl->id_known[id] = true;
        }
        if (auto log = spdlog::get("tokenizer")) log->info("loaded {} ({} ids, {} added tokens)", where, max_id + 1, added.size());
        return Tokenizer(std::move(impl));
    } catch (const nlohmann::json::exception& e) {
        throw Error(where + ": unexpected tokenizer.json structure (" + e.what() + ")");
    }
}

std::vector<TokenId> Tokenizer::encode(std::string_view text) const {
    std::vector<TokenId> ids;
    ids.reserve(text.size() / 3 + 8);
    std::unordered_map<std::string_view, std::vector<TokenId>> cache;
    std::size_t at = 0;
    tokenizer::AddedTokenMatcher::Match match{};
    while (impl_->added.find(text, at, match)) {
        impl_->encode_section(text.substr(at, match.offset - at), ids, cache);
        ids.push_back(match.id);
        at = match.offset + match.length;
    }
    impl_->encode_section(text.substr(at), ids, cache);
    return ids;
}

const std::string& Tokenizer::token_bytes(TokenId id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= impl_->id_bytes.size() || !impl_->id_known[id])
        throw Error("tokenizer: id " + std::to_string(id) + " is outside the vocabulary (0.." +
                    std::to_string(impl_->id_bytes.size() - 1) + ")");
    return impl_->id_bytes[id];
}

std::string Tokenizer::decode(std::span<const TokenId> ids) const {
    std::string text;
    for (const TokenId id : ids) text += token_bytes(id);
    return text;
}

std::optional<TokenId> Tokenizer::added_token_id(std::string_view content) const {
    const auto it = impl_->added_ids.find(std::string(content));
    if (it == impl_->added_ids.end()) return std::nullopt;
    return it->second;
}

std::size_t Tokenizer::vocab_size() const { return impl_->id_bytes.size(); }

}  // namespace fathom
