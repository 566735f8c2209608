#include "app/ingestion/citation_linker.hpp"

#include <regex>

namespace fathom::ingestion {

namespace {
bool unreserved(unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

std::string percentEncode(const std::string& path) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : path) {
        if (unreserved(c)) out += char(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::optional<std::string> percentDecode(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size() || !std::isxdigit((unsigned char)text[i + 1]) || !std::isxdigit((unsigned char)text[i + 2]))
            return std::nullopt;
        out += char(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
    }
    return out;
}

const CitationSource* onlyPdf(const std::vector<CitationSource>& sources) {
    const CitationSource* found = nullptr;
    for (const CitationSource& s : sources)
        if (s.pageCount > 0) {
            if (found) return nullptr;
            found = &s;
        }
    return found;
}

// The source and full path for a cited path: exact match first, then a unique "…/name" suffix match.
std::optional<std::pair<int64_t, std::string>> resolveFile(const std::vector<CitationSource>& sources, const std::string& cited) {
    for (const CitationSource& s : sources)
        if (s.files.count(cited)) return std::make_pair(s.documentId, cited);
    std::optional<std::pair<int64_t, std::string>> match;
    const std::string suffix = "/" + cited;
    for (const CitationSource& s : sources)
        for (const std::string& f : s.files)
            if (f.size() > suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0) {
                if (match) return std::nullopt;  // ambiguous: leave it unlinked
                match = std::make_pair(s.documentId, f);
            }
    return match;
}

std::string linkPages(std::string_view answer, const std::vector<CitationSource>& sources) {
    // [p. 12], [pp. 12-14], [doc 3, p. 12]; not when already a link ("](...)" follows).
    static const std::regex page(R"(\[(?:doc\s+(\d{1,15}),\s*)?pp?\.\s*(\d{1,9})(?:\s*(?:-|–)\s*(\d{1,9}))?\](?!\())");
    std::string out;
    std::string text(answer);
    auto begin = std::sregex_iterator(text.begin(), text.end(), page);
    size_t last = 0;
    const CitationSource* single = onlyPdf(sources);
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        const CitationSource* source = single;
        if (m[1].matched) {
            source = nullptr;
            const int64_t id = std::stoll(m[1].str());
            for (const CitationSource& s : sources)
                if (s.documentId == id && s.pageCount > 0) source = &s;
        }
        const int64_t first = std::stoll(m[2].str());
        if (!source || first < 1 || first > source->pageCount) continue;
        out.append(text, last, size_t(m.position(0)) - last);
        out += m.str(0) + "(" + pageUrl(source->documentId, first) + ")";
        last = size_t(m.position(0) + m.length(0));
    }
    out.append(text, last, std::string::npos);
    return out;
}

std::string linkFiles(const std::string& text, const std::vector<CitationSource>& sources) {
    // path:LINE or path:LINE-LINE, optionally in backticks; the path must have an extension or a slash.
    static const std::regex fileLine(R"((`?)((?:[A-Za-z0-9_.+-]+/)*[A-Za-z0-9_+-][A-Za-z0-9_.+-]*):(\d{1,9})(?:-(\d{1,9}))?\1)");
    std::string out;
    size_t last = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), fileLine); it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        const size_t at = size_t(m.position(0));
        // Inside a link already made (its label or its URL): leave it.
        if (at > 0 && (text[at - 1] == '[' || text[at - 1] == '/' || text[at - 1] == '#')) continue;
        const auto resolved = resolveFile(sources, m[2].str());
        if (!resolved) continue;
        out.append(text, last, at - last);
        out += "[" + m.str(0) + "](" + fileUrl(resolved->first, resolved->second, std::stoll(m[3].str())) + ")";
        last = at + size_t(m.length(0));
    }
    out.append(text, last, std::string::npos);
    return out;
}
}  // namespace

std::string pageUrl(int64_t documentId, int64_t page) {
    return "fathom://doc/" + std::to_string(documentId) + "/page/" + std::to_string(page);
}

std::string fileUrl(int64_t documentId, const std::string& path, std::optional<int64_t> line) {
    std::string url = "fathom://doc/" + std::to_string(documentId) + "/file/" + percentEncode(path);
    if (line) url += "#L" + std::to_string(*line);
    return url;
}

std::string linkCitations(std::string_view answer, const std::vector<CitationSource>& sources) {
    return linkFiles(linkPages(answer, sources), sources);
}

std::optional<CitationTarget> parseCitationUrl(std::string_view url) {
    static const std::regex pattern(R"(fathom://doc/(\d{1,15})/(?:page/(\d{1,9})|file/([^#]+?)(?:#L(\d{1,9}))?))");
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_match(url.begin(), url.end(), m, pattern)) return std::nullopt;
    CitationTarget target;
    target.documentId = std::stoll(m[1].str());
    if (m[2].matched) {
        target.page = std::stoll(m[2].str());
        return target;
    }
    auto path = percentDecode(m[3].str());
    if (!path || path->empty()) return std::nullopt;
    target.file = *path;
    if (m[4].matched) target.line = std::stoll(m[4].str());
    return target;
}

}  // namespace fathom::ingestion
