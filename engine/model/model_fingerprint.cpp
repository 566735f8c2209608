#include "model/model_fingerprint.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace fathom {

namespace {
// Two independent 64-bit FNV-1a streams (different offsets) make accidental collisions negligible.
struct Hash2 {
    uint64_t a = 1469598103934665603ull, b = 0x84222325cbf29ce4ull;
    void add(const void* p, size_t n) {
        const auto* c = static_cast<const uint8_t*>(p);
        for (size_t i = 0; i < n; ++i) {
            a = (a ^ c[i]) * 1099511628211ull;
            b = (b ^ c[i]) * 0x100000001b3ull ^ (b >> 29);
        }
    }
    void add(const std::string& s) { add(s.data(), s.size()); }
};
}  // namespace

std::string ModelFingerprint::hex() const {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
    return buf;
}

ModelFingerprint fingerprint_checkpoint(const Checkpoint& ck) {
    Hash2 h;
    std::ifstream in(ck.dir() / "config.json", std::ios::binary);
    std::stringstream config;
    config << in.rdbuf();
    h.add(config.str());
    for (const auto& name : ck.tensor_names()) {  // sorted by name
        const TensorRef t = ck.tensor(name);
        h.add(name);
        h.add(std::string(dtype_name(t.dtype())));
        for (int64_t d : t.shape()) h.add(&d, sizeof d);
        const uint64_t n = t.bytes.size();
        h.add(&n, sizeof n);
        h.add(t.bytes.data(), std::min<size_t>(128, t.bytes.size()));
        if (t.bytes.size() > 128) h.add(t.bytes.data() + t.bytes.size() - 128, 128);
    }
    return {h.a, h.b};
}

}  // namespace fathom
