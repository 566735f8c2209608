// AttachmentStore: which ingested documents a conversation carries into its prompt. Attaching is idempotent;
// deleting the conversation or the document removes the attachment (foreign-key cascade).
#pragma once

#include "storage/database.hpp"
#include "storage/document_store.hpp"

#include <cstdint>
#include <vector>

namespace fathom::storage {

struct Attachment {
    int64_t conversation_id = 0;
    int64_t document_id = 0;
    int64_t added_at = 0;  // ms since the Unix epoch
    Document document;     // the attached document's row (no pages)
};

class AttachmentStore {
public:
    explicit AttachmentStore(Database& db) : db_(db) {}

    // Returns false when the document was already attached (its position in the list is kept). Throws
    // StorageError (a foreign-key failure) when the conversation or the document does not exist.
    bool attach(int64_t conversation_id, int64_t document_id);
    // Returns false when it was not attached.
    bool detach(int64_t conversation_id, int64_t document_id);
    // In the order they were attached: the prompt lays documents out in this order, so it must be stable.
    std::vector<Attachment> list(int64_t conversation_id);

private:
    Database& db_;
};

}  // namespace fathom::storage
