#include "storage/prefix_cache_store.hpp"
#include "unit.hpp"

#include <sqlite3.h>
#include <unistd.h>

using namespace fathom::storage;
namespace fs = std::filesystem;

namespace {
fs::path fresh_db(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("fathom-prefix-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path p = dir / name;
    for (const char* s : {"", "-wal", "-shm"}) fs::remove(p.string() + s);
    return p;
}
std::vector<uint8_t> blob(size_t n, uint8_t seed) {
    std::vector<uint8_t> b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 11));
    return b;
}
std::vector<int64_t> tokens(int64_t n) {
    std::vector<int64_t> t;
    for (int64_t i = 0; i < n; ++i) t.push_back(1000 + i * 3);
    return t;
}
}  // namespace

TEST("the longest stored prefix comes back intact, across chunks and reopen") {
    const auto path = fresh_db("longest.db");
    const auto toks = tokens(500);
    const auto big = blob(PrefixCacheStore::kChunkBytes * 2 + 12345, 3);  // three chunks
    {
        Database db(path);
        PrefixCacheStore store(db, int64_t{1} << 30);
        CHECK(store.put("model-a", std::span(toks).subspan(0, 100), blob(1000, 1)));
        CHECK(store.put("model-a", std::span(toks).subspan(0, 300), big));
        CHECK(store.put("model-b", std::span(toks).subspan(0, 400), blob(10, 2)));
    }
    Database db(path);
    PrefixCacheStore store(db, int64_t{1} << 30);
    auto hit = store.longest_prefix("model-a", toks);
    CHECK(hit.has_value());
    if (hit) {
        CHECK_EQ(hit->token_count, int64_t{300});
        CHECK(hit->snapshot == big);
    }
    // A prompt that diverges after 150 tokens only matches the 100-token entry.
    auto other = toks;
    other[150] = 7;
    auto short_hit = store.longest_prefix("model-a", other);
    CHECK(short_hit && short_hit->token_count == 100);
    CHECK(!store.longest_prefix("model-c", toks).has_value());
}

TEST("the byte budget evicts the least recently used entries; an oversized snapshot is not stored") {
    const auto path = fresh_db("budget.db");
    Database db(path);
    PrefixCacheStore store(db, 10000);
    const auto toks = tokens(50);
    CHECK(store.put("m", std::span(toks).subspan(0, 10), blob(4000, 1)));
    CHECK(store.put("m", std::span(toks).subspan(0, 20), blob(4000, 2)));
    ::usleep(2000);
    CHECK(store.longest_prefix("m", std::span(toks).subspan(0, 15)).has_value());  // touches the 10-token entry
    ::usleep(2000);
    CHECK(store.put("m", std::span(toks).subspan(0, 30), blob(4000, 3)));           // evicts the 20-token one
    CHECK_EQ(store.stats().entries, int64_t{2});
    CHECK(store.stats().bytes <= 10000);
    auto hit = store.longest_prefix("m", std::span(toks).subspan(0, 25));
    CHECK(hit && hit->token_count == 10);
    CHECK(!store.put("m", toks, blob(20000, 4)));
    CHECK_EQ(store.stats().entries, int64_t{2});
}

TEST("a damaged or truncated entry is dropped and the next shorter prefix is used") {
    const auto path = fresh_db("damaged.db");
    const auto toks = tokens(80);
    {
        Database db(path);
        PrefixCacheStore store(db, int64_t{1} << 30);
        store.put("m", std::span(toks).subspan(0, 40), blob(5000, 1));
        store.put("m", std::span(toks).subspan(0, 60), blob(PrefixCacheStore::kChunkBytes + 10, 2));
    }
    {
        // Damage the long entry behind the store's back: flip bytes in one chunk, drop the other.
        sqlite3* raw = nullptr;
        sqlite3_open(path.c_str(), &raw);
        sqlite3_exec(raw, "UPDATE prefix_cache_chunks SET data = zeroblob(length(data)) WHERE seq = 0 AND entry_id = "
                          "(SELECT id FROM prefix_cache WHERE token_count = 60)", nullptr, nullptr, nullptr);
        sqlite3_close(raw);
    }
    Database db(path);
    PrefixCacheStore store(db, int64_t{1} << 30);
    auto hit = store.longest_prefix("m", toks);
    CHECK(hit && hit->token_count == 40);
    CHECK_EQ(store.stats().entries, int64_t{1});
}

UNIT_MAIN()
