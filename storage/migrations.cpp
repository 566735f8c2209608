#include "storage/migrations.hpp"

namespace fathom::storage {

namespace {
// Timestamps are milliseconds since the Unix epoch (UTC); timing columns are milliseconds.
constexpr Migration kMigrations[] = {
    {1, "conversations, messages and settings",
     R"sql(
CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE TABLE messages (
    id                 INTEGER PRIMARY KEY,
    conversation_id    INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role               TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content            TEXT    NOT NULL DEFAULT '',
    reasoning          TEXT    NOT NULL DEFAULT '',
    mode               TEXT    NOT NULL DEFAULT 'standard' CHECK (mode IN ('standard', 'think', 'think-max')),
    model              TEXT    NOT NULL DEFAULT '',
    prompt_tokens      INTEGER NOT NULL DEFAULT 0,
    completion_tokens  INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens   INTEGER NOT NULL DEFAULT 0,
    prefill_ms         REAL    NOT NULL DEFAULT 0,
    decode_ms          REAL    NOT NULL DEFAULT 0,
    time_to_first_token_ms REAL NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX conversations_by_update ON conversations(updated_at DESC);
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
)sql"},
    {2, "documents, their pages or files, and ingestion problems",
     R"sql(
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    source_path   TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('pdf', 'folder', 'repository', 'text')),
    content_hash  TEXT    NOT NULL,
    title         TEXT    NOT NULL DEFAULT '',
    metadata      TEXT    NOT NULL DEFAULT '{}',
    token_count   INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX documents_by_hash ON documents(content_hash);
CREATE TABLE document_pages (
    id            INTEGER PRIMARY KEY,
    document_id   INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,
    page_number   INTEGER,
    file_path     TEXT,
    text          TEXT    NOT NULL DEFAULT '',
    token_count   INTEGER NOT NULL DEFAULT 0,
    has_text      INTEGER NOT NULL DEFAULT 1,
    CHECK ((page_number IS NULL) <> (file_path IS NULL)),
    UNIQUE (document_id, ordinal)
);
CREATE INDEX document_pages_by_page ON document_pages(document_id, page_number);
CREATE INDEX document_pages_by_file ON document_pages(document_id, file_path);
CREATE TABLE document_problems (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    path         TEXT    NOT NULL,
    reason       TEXT    NOT NULL
);
CREATE INDEX document_problems_by_document ON document_problems(document_id, id);
)sql"},
    {3, "prefix cache: snapshots of session state by model and token prefix, stored in chunks",
     R"sql(
CREATE TABLE prefix_cache (
    id                 INTEGER PRIMARY KEY,
    model_fingerprint  TEXT    NOT NULL,
    prefix_hash        INTEGER NOT NULL,
    token_count        INTEGER NOT NULL,
    byte_size          INTEGER NOT NULL,
    content_hash       INTEGER NOT NULL,
    chunk_count        INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    last_used_at       INTEGER NOT NULL,
    UNIQUE (model_fingerprint, prefix_hash, token_count)
);
CREATE INDEX prefix_cache_by_use ON prefix_cache(last_used_at);
CREATE TABLE prefix_cache_chunks (
    entry_id  INTEGER NOT NULL REFERENCES prefix_cache(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    data      BLOB    NOT NULL,
    PRIMARY KEY (entry_id, seq)
) WITHOUT ROWID;
)sql"},
    {4, "full-text search over conversation titles and message text (FTS5, kept in step by triggers)",
     R"sql(
CREATE VIRTUAL TABLE conversations_fts USING fts5(title, content='conversations', content_rowid='id',
                                                  tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='id',
                                             tokenize='unicode61 remove_diacritics 2');
INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild');
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
)sql"},
    {5, "attachments: the documents a conversation puts into its prompt",
     R"sql(
CREATE TABLE attachments (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    document_id      INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    added_at         INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, document_id)
) WITHOUT ROWID;
CREATE INDEX attachments_by_document ON attachments(document_id);
)sql"},
    {6, "message branches: each message's parent, and the conversation's active leaf (linear chats become one path)",
     R"sql(
ALTER TABLE messages ADD COLUMN parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE;
ALTER TABLE conversations ADD COLUMN active_leaf_id INTEGER REFERENCES messages(id) ON DELETE SET NULL;
UPDATE messages SET parent_id = (SELECT max(p.id) FROM messages p
                                 WHERE p.conversation_id = messages.conversation_id AND p.id < messages.id);
UPDATE conversations SET active_leaf_id = (SELECT max(m.id) FROM messages m WHERE m.conversation_id = conversations.id);
CREATE INDEX messages_by_parent ON messages(conversation_id, parent_id, id);
)sql"},
    {7, "conversations deleted with undo: marked first (hidden from lists and search), removed once the undo window ends",
     R"sql(
ALTER TABLE conversations ADD COLUMN deleted_at INTEGER;
CREATE INDEX conversations_deleted ON conversations(deleted_at) WHERE deleted_at IS NOT NULL;
)sql"},
};
}  // namespace

std::span<const Migration> schema_migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations[std::size(kMigrations) - 1].version; }

}  // namespace fathom::storage
