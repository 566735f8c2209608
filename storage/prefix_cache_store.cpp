#include "storage/prefix_cache_store.hpp"

#include "storage/log.hpp"

#include <algorithm>
#include <chrono>

namespace fathom::storage {

namespace {

uint64_t fnv1a(const uint8_t* p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// SQLite integers are signed; hashes are stored bit for bit.
int64_t as_signed(uint64_t v) { return static_cast<int64_t>(v); }

}  // namespace

uint64_t hash_token_prefix(std::span<const int64_t> tokens) {
    return fnv1a(reinterpret_cast<const uint8_t*>(tokens.data()), tokens.size_bytes());
}

bool PrefixCacheStore::put(const std::string& fp, std::span<const int64_t> tokens, std::span<const uint8_t> snapshot) {
    const auto size = static_cast<int64_t>(snapshot.size());
    if (size > budget_) {
        log()->info("prefix cache: a {} byte snapshot exceeds the {} byte budget; not stored", size, budget_);
        return false;
    }
    const int64_t chunks = static_cast<int64_t>((snapshot.size() + kChunkBytes - 1) / kChunkBytes);
    const int64_t t = now_ms();
    Transaction tx(db_, "store prefix cache entry");
    Statement(db_, "DELETE FROM prefix_cache WHERE model_fingerprint = ? AND prefix_hash = ? AND token_count = ?", "replace prefix cache entry")
        .bind(1, fp).bind(2, as_signed(hash_token_prefix(tokens))).bind(3, static_cast<int64_t>(tokens.size())).run();
    Statement ins(db_,
                  "INSERT INTO prefix_cache(model_fingerprint, prefix_hash, token_count, byte_size, content_hash, chunk_count, "
                  "created_at, last_used_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                  "insert prefix cache entry");
    ins.bind(1, fp).bind(2, as_signed(hash_token_prefix(tokens))).bind(3, static_cast<int64_t>(tokens.size())).bind(4, size)
        .bind(5, as_signed(fnv1a(snapshot.data(), snapshot.size()))).bind(6, chunks).bind(7, t).bind(8, t);
    ins.step();
    const int64_t id = ins.column_int64(0);
    ins.run();
    for (int64_t c = 0; c < chunks; ++c) {
        const size_t begin = static_cast<size_t>(c) * kChunkBytes;
        const size_t n = std::min(kChunkBytes, snapshot.size() - begin);
        Statement(db_, "INSERT INTO prefix_cache_chunks(entry_id, seq, data) VALUES(?, ?, ?)", "insert prefix cache chunk")
            .bind(1, id).bind(2, c).bind_blob(3, snapshot.subspan(begin, n)).run();
    }
    tx.commit();
    evict_to_budget();
    return true;
}

std::optional<PrefixCacheHit> PrefixCacheStore::longest_prefix(const std::string& fp, std::span<const int64_t> tokens) {
    std::vector<std::pair<int64_t, int64_t>> candidates;  // (token_count, id) whose prefix hash matches
    {
        Statement s(db_, "SELECT id, token_count, prefix_hash FROM prefix_cache WHERE model_fingerprint = ? AND token_count <= ? "
                         "ORDER BY token_count DESC", "find prefix cache entries");
        s.bind(1, fp).bind(2, static_cast<int64_t>(tokens.size()));
        while (s.step()) {
            const int64_t n = s.column_int64(1);
            if (as_signed(hash_token_prefix(tokens.subspan(0, static_cast<size_t>(n)))) == s.column_int64(2))
                candidates.push_back({n, s.column_int64(0)});
        }
    }
    for (const auto& [count, id] : candidates) {
        int64_t size = 0, chunks = 0, content = 0;
        {
            Statement s(db_, "SELECT byte_size, chunk_count, content_hash FROM prefix_cache WHERE id = ?", "read prefix cache entry");
            s.bind(1, id);
            if (!s.step()) continue;
            size = s.column_int64(0);
            chunks = s.column_int64(1);
            content = s.column_int64(2);
        }
        PrefixCacheHit hit;
        hit.token_count = count;
        hit.snapshot.reserve(static_cast<size_t>(std::max<int64_t>(size, 0)));
        int64_t seen = 0;
        {
            Statement s(db_, "SELECT seq, data FROM prefix_cache_chunks WHERE entry_id = ? ORDER BY seq", "read prefix cache chunks");
            s.bind(1, id);
            while (s.step()) {
                if (s.column_int64(0) != seen) break;
                const auto b = s.column_blob(1);
                hit.snapshot.insert(hit.snapshot.end(), b.begin(), b.end());
                ++seen;
            }
        }
        const bool intact = seen == chunks && static_cast<int64_t>(hit.snapshot.size()) == size &&
                            as_signed(fnv1a(hit.snapshot.data(), hit.snapshot.size())) == content;
        if (!intact) {
            log()->warn("prefix cache: entry {} ({} tokens) is damaged ({} of {} chunks, {} of {} bytes); dropped",
                                id, count, seen, chunks, hit.snapshot.size(), size);
            Statement(db_, "DELETE FROM prefix_cache WHERE id = ?", "drop damaged prefix cache entry").bind(1, id).run();
            continue;
        }
        Statement(db_, "UPDATE prefix_cache SET last_used_at = ? WHERE id = ?", "mark prefix cache entry used").bind(1, now_ms()).bind(2, id).run();
        return hit;
    }
    return std::nullopt;
}

PrefixCacheStats PrefixCacheStore::stats() {
    Statement s(db_, "SELECT count(*), coalesce(sum(byte_size), 0) FROM prefix_cache", "prefix cache stats");
    s.step();
    return {s.column_int64(0), s.column_int64(1)};
}

void PrefixCacheStore::set_budget(int64_t bytes) {
    budget_ = bytes;
    evict_to_budget();
}

void PrefixCacheStore::evict_to_budget() {
    for (;;) {
        const auto st = stats();
        if (st.bytes <= budget_ || st.entries == 0) return;
        Statement s(db_, "SELECT id, byte_size FROM prefix_cache ORDER BY last_used_at ASC, id ASC LIMIT 1", "find least recently used entry");
        if (!s.step()) return;
        const int64_t id = s.column_int64(0);
        log()->info("prefix cache: evicting entry {} ({} bytes) to fit the {} byte budget", id, s.column_int64(1), budget_);
        Statement(db_, "DELETE FROM prefix_cache WHERE id = ?", "evict prefix cache entry").bind(1, id).run();
    }
}

}  // namespace fathom::storage
