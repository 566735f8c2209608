// PrefixCacheStore: session snapshots keyed by model fingerprint and token prefix, stored as chunked blobs under a
// byte budget with least-recently-used eviction; integrity is checked on read and a damaged entry is dropped.
#pragma once

#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fathom::storage {

struct PrefixCacheHit {
    int64_t token_count = 0;
    std::vector<uint8_t> snapshot;
};

struct PrefixCacheStats {
    int64_t entries = 0;
    int64_t bytes = 0;
};

class PrefixCacheStore {
public:
    static constexpr size_t kChunkBytes = size_t{8} << 20;  // far under SQLite's blob and page limits

    PrefixCacheStore(Database& db, int64_t byte_budget) : db_(db), budget_(byte_budget) {}

    // Stores the snapshot of `tokens` (replacing one for the same prefix), then evicts least recently used entries
    // until the total fits the budget. Returns false (storing nothing) when the snapshot alone exceeds the budget.
    bool put(const std::string& model_fingerprint, std::span<const int64_t> tokens, std::span<const uint8_t> snapshot);

    // The longest stored prefix of `tokens` for this model, marked as used. An entry whose bytes fail the integrity
    // check is deleted (and logged) and the next shorter one is tried.
    std::optional<PrefixCacheHit> longest_prefix(const std::string& model_fingerprint, std::span<const int64_t> tokens);

    PrefixCacheStats stats();
    void set_budget(int64_t bytes);

private:
    void evict_to_budget();

    Database& db_;
    int64_t budget_;
};

uint64_t hash_token_prefix(std::span<const int64_t> tokens);

}  // namespace fathom::storage
