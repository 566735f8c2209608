#include "runtime/model.hpp"
#include "unit.hpp"

#include <fstream>
#include <unistd.h>

using namespace fathom;

namespace {
const runtime::Model& tiny() {
    static runtime::Model m(Checkpoint::open(unit::shared_dir() / "fixtures" / "v4-tiny-a"));
    return m;
}
std::vector<int64_t> tokens(int64_t n) {
    std::vector<int64_t> t;
    for (int64_t i = 0; i < n; ++i) t.push_back((i * 131 + 7) % 2048);
    return t;
}
}  // namespace

TEST("restoring a snapshot continues exactly as never having stopped, at any boundary") {
    const auto& m = tiny();
    const auto toks = tokens(300);
    const int64_t V = m.config().vocab_size;
    // Inside and at the edge of compression blocks: N mod 4 and N mod 128 nonzero, and both zero.
    for (int64_t n : {1, 129, 130, 256, 257}) {
        runtime::Session straight(m);
        std::vector<float> a(V), b(V);
        straight.prefill(toks.data(), n, a.data());
        const auto snap = straight.snapshot();
        for (int64_t i = n; i < n + 20; ++i) straight.decode(toks[i], a.data());

        runtime::Session restored(m);
        restored.restore(snap);
        CHECK_EQ(restored.position(), n);
        for (int64_t i = n; i < n + 20; ++i) restored.decode(toks[i], b.data());
        CHECK(a == b);  // bit for bit: the same state, the same arithmetic
    }
}

TEST("damaged, truncated and foreign snapshots are refused and leave the session as it was") {
    const auto& m = tiny();
    const auto toks = tokens(70);
    runtime::Session s(m);
    std::vector<float> logits(m.config().vocab_size);
    s.prefill(toks.data(), 70, logits.data());
    auto snap = s.snapshot();

    runtime::Session other(m);
    other.prefill(toks.data(), 5, logits.data());
    auto corrupt = snap;
    corrupt[corrupt.size() / 2] ^= 0x40;
    CHECK_THROWS_WITH(other.restore(corrupt), "damaged");
    CHECK_THROWS_WITH(other.restore(std::span<const uint8_t>(snap.data(), snap.size() / 3)), "damaged");
    CHECK_THROWS_WITH(other.restore(std::span<const uint8_t>(snap.data(), 4)), "not a Fathom session snapshot");
    CHECK_EQ(other.position(), int64_t{5});

    other.restore(snap);
    CHECK_EQ(other.position(), int64_t{70});
}

TEST("a snapshot of another model is refused by its fingerprint") {
    namespace fs = std::filesystem;
    // The same weights under a different config.json are another model.
    const fs::path src = unit::shared_dir() / "fixtures" / "v4-tiny-a";
    const fs::path dir = fs::temp_directory_path() / ("fathom-other-model-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(src))
        if (e.path().filename().string().rfind("model", 0) == 0) {
            fs::remove(dir / e.path().filename());
            fs::create_symlink(e.path(), dir / e.path().filename());
        }
    {
        std::ifstream in(src / "config.json");
        std::string text((std::istreambuf_iterator<char>(in)), {});
        text.replace(text.find("\"rms_norm_eps\""), 0, "\"comment\": \"another model\", ");
        std::ofstream(dir / "config.json") << text;
    }
    runtime::Model other(Checkpoint::open(dir));
    CHECK(!(other.fingerprint() == tiny().fingerprint()));
    runtime::Session s(tiny());
    std::vector<float> logits(tiny().config().vocab_size);
    const auto toks = tokens(9);
    s.prefill(toks.data(), 9, logits.data());
    runtime::Session o(other);
    CHECK_THROWS_WITH(o.restore(s.snapshot()), "another model");
    fs::remove_all(dir);
}

UNIT_MAIN()
