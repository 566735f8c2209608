#include "app/ingestion/prompt_builder.hpp"

#include "fathom/tokenizer.hpp"

#include <algorithm>

namespace fathom::ingestion {

namespace {
// Attribute values are quoted; a quote or newline in a title would break the tag for the model.
std::string attribute(std::string value) {
    std::replace(value.begin(), value.end(), '"', '\'');
    std::replace(value.begin(), value.end(), '\n', ' ');
    return value;
}

std::string openTag(const PromptDocument& d) {
    std::string tag = "<document id=\"" + std::to_string(d.document.id) + "\" kind=\"" + d.document.kind +
                      "\" title=\"" + attribute(d.document.title) + "\"";
    const bool paged = !d.parts.empty() && d.parts.front().page_number.has_value();
    tag += (paged ? " pages=\"" : " files=\"") + std::to_string(d.parts.size()) + "\">\n";
    return tag;
}

std::string numbered(const std::string& text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    size_t line = 1, start = 0;
    while (start <= text.size()) {
        const size_t end = text.find('\n', start);
        const size_t stop = end == std::string::npos ? text.size() : end;
        if (end == std::string::npos && start == text.size()) break;  // no empty line after a final newline
        out += std::to_string(line++) + "| ";
        out.append(text, start, stop - start);
        out += '\n';
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

std::string partChunk(const storage::DocumentPage& part, bool numberLines) {
    if (part.page_number) {
        std::string chunk = "[p. " + std::to_string(*part.page_number) + "]\n";
        chunk += part.has_text ? part.text : std::string("(no text on this page: scanned image?)");
        if (chunk.back() != '\n') chunk += '\n';
        return chunk;
    }
    std::string chunk = "=== file: " + part.file_path.value_or("?") + " ===\n";
    chunk += numberLines ? numbered(part.text) : part.text;
    if (chunk.back() != '\n') chunk += '\n';
    return chunk;
}

std::string partLabel(const storage::DocumentPage& part) {
    return part.page_number ? "page " + std::to_string(*part.page_number) : part.file_path.value_or("?");
}

int64_t count(const fathom::Tokenizer& tokenizer, const std::string& text) {
    return int64_t(tokenizer.encode(text).size());
}
}  // namespace

std::string citationInstructions(const std::vector<PromptDocument>& documents) {
    int pdfs = 0, folders = 0;
    for (const PromptDocument& d : documents) (d.document.kind == "pdf" ? pdfs : folders) += 1;
    std::string text = "The documents below are the user's. Answer from them and cite your sources: ";
    if (pdfs == 1) text += "a PDF page as [p. N]";
    if (pdfs > 1) text += "a PDF page as [doc ID, p. N] with the document's id";
    if (pdfs && folders) text += "; ";
    if (folders) text += "a source line as path:LINE (for example src/main.cpp:42), with the path as in its === file: === header";
    return text + ".\n";
}

PromptBlock buildDocumentBlock(const std::vector<PromptDocument>& documents, const PromptBudget& budget,
                               const fathom::Tokenizer& tokenizer) {
    PromptBlock block;
    block.text = citationInstructions(documents);
    int64_t used = count(tokenizer, block.text);
    bool full = false;
    for (const PromptDocument& d : documents) {
        const std::string open = openTag(d);
        std::string head = open;
        if (!d.treeSummary.empty()) head += "<file tree>\n" + d.treeSummary + "\n</file tree>\n";
        const std::string close = "</document>\n";
        // A document is opened only when its header, its closing tag and at least its first part fit.
        const int64_t frame = count(tokenizer, head) + count(tokenizer, close);
        size_t first_omitted = d.parts.size();
        std::string body;
        int64_t bodyTokens = 0;
        for (size_t i = 0; i < d.parts.size() && !full; ++i) {
            const std::string chunk = partChunk(d.parts[i], budget.numberLines);
            const int64_t tokens = count(tokenizer, chunk);
            if (used + frame + bodyTokens + tokens > budget.maxTokens) {
                full = true;
                first_omitted = i;
                break;
            }
            body += chunk;
            bodyTokens += tokens;
            ++block.includedParts;
        }
        if (full && first_omitted == d.parts.size()) first_omitted = 0;  // a later document, nothing of it fits
        if (!body.empty() || (d.parts.empty() && used + frame <= budget.maxTokens)) {
            block.text += head + body + close;
            used += frame + bodyTokens;
        }
        if (first_omitted < d.parts.size()) {
            block.omittedParts += int64_t(d.parts.size() - first_omitted);
            block.omittedSummary.push_back("doc " + std::to_string(d.document.id) + ": " +
                                           partLabel(d.parts[first_omitted]) + " to " + partLabel(d.parts.back()));
        }
    }
    // Chunks were counted apart; the exact count of the joined text is what the context will hold.
    block.tokenCount = count(tokenizer, block.text);
    return block;
}

}  // namespace fathom::ingestion
