#include "runtime/session_snapshot.hpp"

#include "fathom/error.hpp"
#include "model/number_formats.hpp"

#include <algorithm>
#include <cmath>

#include <cstring>
#include <string>

namespace fathom {

namespace {

constexpr char kMagic[8] = {'F', 'T', 'H', 'M', 'S', 'N', 'P', '1'};
constexpr size_t kPackBlock = 64;
constexpr uint8_t kRawBlock = 0xff;

// e4m3 code of v (|v| <= 448, exactly representable), sign in bit 7.
uint8_t e4m3_code(float v) {
    const float a = std::fabs(v);
    uint8_t code = 0;
    if (a != 0.0f) {
        int e;
        std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
        const int exp_field = e - 1 + 7;
        if (exp_field <= 0) {
            code = static_cast<uint8_t>(std::ldexp(a, 9));  // subnormal: a = m * 2^-9
        } else {
            const int mant = static_cast<int>(std::ldexp(a, -(e - 1)) * 8.0f) - 8;
            code = static_cast<uint8_t>((exp_field << 3) | mant);
        }
    }
    return static_cast<uint8_t>(code | (std::signbit(v) ? 0x80 : 0));
}

// True when every value of the block is an e4m3 number times one power of two; fills codes and the scale byte.
bool pack_block(const float* v, uint8_t* codes, uint8_t& scale_byte) {
    float amax = 0.0f;
    for (size_t k = 0; k < kPackBlock; ++k) {
        if (!std::isfinite(v[k])) return false;
        amax = std::max(amax, std::fabs(v[k]));
    }
    const float scale = amax == 0.0f ? 1.0f : pow2_ceil(amax / 448.0f);
    int e;
    std::frexp(scale, &e);
    const int biased = e - 1 + 127;
    if (biased < 1 || biased > 254) return false;
    scale_byte = static_cast<uint8_t>(biased);
    for (size_t k = 0; k < kPackBlock; ++k) {
        const float q = v[k] / scale;
        if (round_to_fp8_e4m3(q) != q || std::fabs(q) > 448.0f) return false;
        codes[k] = e4m3_code(q);
        if (fp8_e4m3_to_f32(codes[k]) * scale != v[k] || std::signbit(fp8_e4m3_to_f32(codes[k])) != std::signbit(v[k])) return false;
    }
    return true;
}

uint64_t fnv1a(const uint8_t* p, size_t n, uint64_t h = 1469598103934665603ull) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

class Writer {
public:
    void raw(const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        out.insert(out.end(), b, b + n);
    }
    template <typename T>
    void put(T v) { raw(&v, sizeof v); }
    // Values in blocks of 64. Most cached values are FP8 round trips (KV) or FP4 ones (indexer keys), exactly
    // e4m3 codes times a power of two: such a block is stored as its scale byte and 64 codes (65 bytes instead of
    // 256), checked exact when written; any other block (RoPE dims, pending projections) stays raw fp32.
    void floats(const std::vector<float>& v) {
        put<uint64_t>(v.size());
        size_t i = 0;
        for (; i + kPackBlock <= v.size(); i += kPackBlock) {
            uint8_t codes[kPackBlock];
            uint8_t scale_byte;
            if (pack_block(v.data() + i, codes, scale_byte)) {
                put<uint8_t>(scale_byte);
                raw(codes, kPackBlock);
            } else {
                put<uint8_t>(kRawBlock);
                raw(v.data() + i, kPackBlock * 4);
            }
        }
        raw(v.data() + i, (v.size() - i) * 4);
    }
    std::vector<uint8_t> out;
};

class Reader {
public:
    explicit Reader(std::span<const uint8_t> b) : b_(b) {}
    void raw(void* p, size_t n) {
        if (n > b_.size() - pos_) throw Error("snapshot is truncated (needs " + std::to_string(n) + " more bytes at offset " + std::to_string(pos_) + ")");
        std::memcpy(p, b_.data() + pos_, n);
        pos_ += n;
    }
    template <typename T>
    T get() {
        T v;
        raw(&v, sizeof v);
        return v;
    }
    // Reads a float vector whose length must equal `expected` (the layout of this model's block).
    void floats(std::vector<float>& v, size_t expected, const char* what) {
        const auto n = get<uint64_t>();
        if (n != expected) throw Error(std::string("snapshot: ") + what + " holds " + std::to_string(n) + " values, the model needs " + std::to_string(expected));
        v.resize(n);
        size_t i = 0;
        for (; i + kPackBlock <= n; i += kPackBlock) {
            const auto tag = get<uint8_t>();
            if (tag == kRawBlock) {
                raw(v.data() + i, kPackBlock * 4);
            } else {
                uint8_t codes[kPackBlock];
                raw(codes, kPackBlock);
                const float scale = e8m0_to_f32(tag);
                for (size_t k = 0; k < kPackBlock; ++k) v[i + k] = fp8_e4m3_to_f32(codes[k]) * scale;
            }
        }
        raw(v.data() + i, (n - i) * 4);
    }
    size_t pos() const { return pos_; }

private:
    std::span<const uint8_t> b_;
    size_t pos_ = 0;
};

void write_compressor(Writer& w, const cpu::CompressorState& s) {
    w.put<int64_t>(s.filled);
    w.put<uint8_t>(s.has_prev ? 1 : 0);
    w.put<int64_t>(s.count);
    w.floats(s.block_a);
    w.floats(s.block_z);
    w.floats(s.prev_a);
    w.floats(s.prev_z);
    w.floats(s.rows);
}

void read_compressor(Reader& r, cpu::CompressorState& s, const cpu::CompressorState& tmpl, int64_t ratio, int64_t width,
                    int64_t tokens, const char* which) {
    s.filled = r.get<int64_t>();
    s.has_prev = r.get<uint8_t>() != 0;
    s.count = r.get<int64_t>();
    r.floats(s.block_a, tmpl.block_a.size(), which);
    r.floats(s.block_z, tmpl.block_z.size(), which);
    r.floats(s.prev_a, tmpl.prev_a.size(), which);
    r.floats(s.prev_z, tmpl.prev_z.size(), which);
    const int64_t want_count = ratio > 0 ? tokens / ratio : 0, want_filled = ratio > 0 ? tokens % ratio : 0;
    if (s.count != want_count || s.filled != want_filled)
        throw Error(std::string("snapshot: the ") + which + " holds " + std::to_string(s.count) + " rows and " +
                    std::to_string(s.filled) + " pending tokens; " + std::to_string(tokens) + " tokens need " +
                    std::to_string(want_count) + " and " + std::to_string(want_filled));
    r.floats(s.rows, static_cast<size_t>(want_count * width), which);
}

}  // namespace

uint64_t hash_tokens(std::span<const int64_t> tokens) {
    return fnv1a(reinterpret_cast<const uint8_t*>(tokens.data()), tokens.size_bytes());
}

std::vector<uint8_t> serialize_session(const SessionState& st, const ModelFingerprint& fp) {
    Writer w;
    w.raw(kMagic, 8);
    w.put<uint32_t>(kSnapshotFormatVersion);
    w.put(fp.a);
    w.put(fp.b);
    w.put<uint64_t>(st.tokens.size());
    w.put<uint64_t>(hash_tokens(st.tokens));
    w.raw(st.tokens.data(), st.tokens.size() * 8);
    w.put<uint32_t>(static_cast<uint32_t>(st.blocks.size()));
    for (const auto& b : st.blocks) {
        w.put<int64_t>(b.next_pos);
        w.floats(b.window);
        write_compressor(w, b.kv);
        write_compressor(w, b.index);
    }
    w.put<uint64_t>(fnv1a(w.out.data(), w.out.size()));
    return std::move(w.out);
}

SessionState deserialize_session(std::span<const uint8_t> bytes, const ModelFingerprint& fp,
                                 const std::vector<BlockState>& templates, const std::vector<BlockLayout>& layouts) {
    if (bytes.size() < 8 + 8 || std::memcmp(bytes.data(), kMagic, 8) != 0) throw Error("not a Fathom session snapshot");
    uint64_t stored_sum;
    std::memcpy(&stored_sum, bytes.data() + bytes.size() - 8, 8);
    if (fnv1a(bytes.data(), bytes.size() - 8) != stored_sum) throw Error("snapshot is damaged (checksum mismatch)");
    Reader r(bytes.subspan(0, bytes.size() - 8));
    char magic[8];
    r.raw(magic, 8);
    const auto version = r.get<uint32_t>();
    if (version != kSnapshotFormatVersion)
        throw Error("snapshot format version " + std::to_string(version) + "; this build reads version " + std::to_string(kSnapshotFormatVersion));
    ModelFingerprint got{r.get<uint64_t>(), r.get<uint64_t>()};
    if (!(got == fp)) throw Error("snapshot belongs to another model (fingerprint differs)");
    SessionState st;
    const auto n_tokens = r.get<uint64_t>();
    const auto token_hash = r.get<uint64_t>();
    if (n_tokens > (1ull << 32)) throw Error("snapshot claims " + std::to_string(n_tokens) + " tokens");
    st.tokens.resize(n_tokens);
    r.raw(st.tokens.data(), n_tokens * 8);
    if (hash_tokens(st.tokens) != token_hash) throw Error("snapshot's token ids do not match their hash");
    const auto n_blocks = r.get<uint32_t>();
    if (n_blocks != templates.size())
        throw Error("snapshot has " + std::to_string(n_blocks) + " blocks, the model " + std::to_string(templates.size()));
    const int64_t T = static_cast<int64_t>(n_tokens);
    for (uint32_t i = 0; i < n_blocks; ++i) {
        BlockState b;
        const BlockState& tmpl = templates[i];
        b.next_pos = r.get<int64_t>();
        if (b.next_pos != T) throw Error("snapshot block " + std::to_string(i) + " is at position " + std::to_string(b.next_pos) + ", not " + std::to_string(T));
        r.floats(b.window, tmpl.window.size(), "window");
        const BlockLayout& lay = layouts.at(i);
        read_compressor(r, b.kv, tmpl.kv, lay.ratio, lay.kv_width, T, "compressor");
        read_compressor(r, b.index, tmpl.index, lay.ratio == 4 ? 4 : 0, lay.index_width, T, "indexer compressor");
        st.blocks.push_back(std::move(b));
    }
    if (r.pos() != bytes.size() - 8) throw Error("snapshot has trailing bytes");
    return st;
}

}  // namespace fathom
