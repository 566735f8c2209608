// Turns citations in a model's answer into links the UI can open: "[p. 214]" becomes
// [p. 214](fathom://doc/ID/page/214) and "src/foo.cpp:120" [src/foo.cpp:120](fathom://doc/ID/file/src/foo.cpp#L120).
// Only citations that name a page or file of the given documents are linked; the rest is left as written.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::ingestion {

struct CitationSource {
    int64_t documentId = 0;
    int64_t pageCount = 0;          // PDFs: pages 1..pageCount exist
    std::set<std::string> files;    // folders: relative paths
};

struct CitationTarget {
    int64_t documentId = 0;
    std::optional<int64_t> page;
    std::optional<std::string> file;
    std::optional<int64_t> line;
};

std::string pageUrl(int64_t documentId, int64_t page);
std::string fileUrl(int64_t documentId, const std::string& path, std::optional<int64_t> line);

// Markdown with the citations linked. "[p. N]" needs exactly one PDF among the sources (or the
// "[doc ID, p. N]" form); a bare "foo.cpp:12" is matched to a file path ending in "/foo.cpp" when unique.
std::string linkCitations(std::string_view answer, const std::vector<CitationSource>& sources);

// The inverse of pageUrl/fileUrl; nullopt for anything else.
std::optional<CitationTarget> parseCitationUrl(std::string_view url);

}  // namespace fathom::ingestion
