// Lays documents out for the model: each inside <document> tags, PDF pages behind "[p. N]" markers, files
// behind "=== file: path ===" headers with numbered lines, so answers can cite [p. 214] or src/foo.cpp:120.
// Stops at a token budget counted with the model's tokenizer and says what it left out.
#pragma once

#include "storage/document_store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fathom {
class Tokenizer;
}

namespace fathom::ingestion {

struct PromptDocument {
    storage::Document document;
    std::vector<storage::DocumentPage> parts;  // in order
    std::string treeSummary;                   // folders: shown before the files
};

struct PromptBudget {
    int64_t maxTokens = 0;       // for the whole document block
    bool numberLines = true;     // "120| code" in files, so line citations are possible
};

struct PromptBlock {
    std::string text;             // the document block, instructions first
    int64_t tokenCount = 0;       // exact: the tokenizer run over `text`
    int64_t includedParts = 0;
    int64_t omittedParts = 0;
    std::vector<std::string> omittedSummary;  // "doc 3: pages 301-500"
};

// The instruction that tells the model how to cite, worded for the documents present.
std::string citationInstructions(const std::vector<PromptDocument>& documents);

// Whole parts only: a page or file that would cross the budget, and every part after it, is left out.
PromptBlock buildDocumentBlock(const std::vector<PromptDocument>& documents, const PromptBudget& budget,
                               const fathom::Tokenizer& tokenizer);

}  // namespace fathom::ingestion
