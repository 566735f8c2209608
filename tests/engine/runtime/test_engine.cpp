#include "cpu/sampler.hpp"
#include "fathom/engine.hpp"
#include "unit.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

using namespace fathom;

namespace {
std::filesystem::path tiny() { return unit::shared_dir() / "fixtures" / "v4-tiny-a"; }
}  // namespace

TEST("loading reports progress and can be cancelled") {
    std::atomic<bool> cancel{false};
    LoadOptions o;
    o.model_dir = tiny();
    uint64_t last = 0, total = 0;
    o.on_progress = [&](const LoadProgress& p) {
        last = p.bytes_done;
        total = p.bytes_total;
    };
    auto engine = Engine::load(o);
    CHECK(total > 0);
    CHECK_EQ(last, total);
    CHECK_EQ(engine->summary().blocks, int64_t{6});
    CHECK(engine->summary().routed_expert_bytes > 0 && engine->summary().routed_expert_bytes < total);

    o.on_progress = [&](const LoadProgress&) { cancel = true; };
    o.cancel = &cancel;
    CHECK_THROWS_WITH(Engine::load(o), "cancelled");
}

TEST("a missing folder is a clear error") {
    LoadOptions o;
    o.model_dir = "/nonexistent/model";
    CHECK_THROWS_WITH(Engine::load(o), "/nonexistent/model");
}

TEST("chunked prefill gives the same logits as one prefill, and bad input leaves the session usable") {
    LoadOptions o;
    o.model_dir = tiny();
    auto engine = Engine::load(o);
    std::vector<int32_t> tokens;
    for (int i = 0; i < 150; ++i) tokens.push_back((i * 37 + 11) % 2048);
    auto a = engine->new_session();
    const auto whole = a->prefill(tokens, 0);
    auto b = engine->new_session();
    int64_t progress = 0;
    const auto chunked = b->prefill(tokens, 7, [&](int64_t done, int64_t) { progress = done; });
    CHECK_EQ(progress, int64_t{150});
    double num = 0, den = 0;
    for (size_t i = 0; i < whole.size(); ++i) num += (whole[i] - chunked[i]) * double(whole[i] - chunked[i]), den += whole[i] * double(whole[i]);
    CHECK(std::sqrt(num / den) < 1e-4);

    const int32_t bad[2] = {5, 4096};
    CHECK_THROWS_WITH(b->prefill(bad), "outside the vocabulary");
    CHECK_EQ(b->position(), int64_t{150});
    const int32_t good[1] = {5};
    b->prefill(good);
    CHECK_EQ(b->position(), int64_t{151});
}

TEST("by default the backend picks the prefill chunk: the CPU feeds 256 tokens at a time") {
    LoadOptions o;
    o.model_dir = tiny();
    auto engine = Engine::load(o);
    std::vector<int32_t> tokens;
    for (int i = 0; i < 600; ++i) tokens.push_back((i * 53 + 5) % 2048);
    auto s = engine->new_session();
    std::vector<int64_t> steps;
    s->prefill(tokens, Session::kBackendChunk, [&](int64_t done, int64_t) { steps.push_back(done); });
    CHECK(steps == std::vector<int64_t>({256, 512, 600}));
    CHECK_THROWS_WITH(s->prefill(tokens, -2), "prefill chunk -2");
    CHECK_EQ(s->position(), int64_t{600});
}

TEST("generation is reproducible for a seed, stops at max_new_tokens, and can be cancelled") {
    LoadOptions o;
    o.model_dir = tiny();
    auto engine = Engine::load(o);
    const std::vector<int32_t> prompt = {0, 17, 99, 1024, 7};
    SamplingParams p;
    p.temperature = 0.8f;
    p.top_p = 0.9f;
    p.seed = 42;
    p.max_new_tokens = 12;
    std::vector<int32_t> first, second;
    auto s1 = engine->new_session();
    auto st = s1->generate(prompt, p, [&](int32_t t) { first.push_back(t); return true; });
    auto s2 = engine->new_session();
    s2->generate(prompt, p, [&](int32_t t) { second.push_back(t); return true; });
    CHECK(first == second);
    CHECK(st.finish_reason == "length" || st.finish_reason == "stop");
    CHECK(st.completion_tokens == static_cast<int64_t>(first.size()));
    if (st.finish_reason == "length") CHECK_EQ(first.size(), size_t{12});

    std::atomic<bool> cancel{false};
    int seen = 0;
    auto s3 = engine->new_session();
    auto st3 = s3->generate(prompt, p, [&](int32_t) { if (++seen == 3) cancel = true; return true; }, &cancel);
    CHECK_EQ(st3.finish_reason, std::string("cancelled"));
    CHECK_EQ(seen, 3);
}

TEST("public snapshots: a restored session continues like the original") {
    LoadOptions o;
    o.model_dir = tiny();
    auto engine = Engine::load(o);
    CHECK_EQ(engine->fingerprint().size(), size_t{32});
    std::vector<int32_t> toks;
    for (int i = 0; i < 140; ++i) toks.push_back((i * 53 + 3) % 2048);
    auto a = engine->new_session();
    a->prefill(std::span<const int32_t>(toks).subspan(0, 133));
    auto b = engine->new_session();
    b->restore(a->snapshot());
    CHECK_EQ(b->position(), int64_t{133});
    CHECK_EQ(b->tokens().size(), size_t{133});
    const auto la = a->prefill(std::span<const int32_t>(toks).subspan(133));
    const auto lb = b->prefill(std::span<const int32_t>(toks).subspan(133));
    CHECK(la == lb);
    CHECK_THROWS_WITH(b->restore(std::vector<uint8_t>(10, 0)), "not a Fathom session snapshot");
    CHECK_EQ(b->position(), int64_t{140});
}

TEST("generation never samples ids at or past vocab_limit") {
    LoadOptions o;
    o.model_dir = tiny();
    auto engine = Engine::load(o);
    SamplingParams p;
    p.temperature = 5.0f;  // flat: every id is likely
    p.max_new_tokens = 200;
    p.vocab_limit = 300;
    p.seed = 9;
    auto s = engine->new_session();
    const std::vector<int32_t> prompt = {0, 5};
    int64_t worst = 0;
    s->generate(prompt, p, [&](int32_t t) { worst = std::max<int64_t>(worst, t); return true; });
    CHECK(worst < 300);
}

TEST("sampler: greedy at temperature 0, top-p keeps only the nucleus") {
    const std::vector<float> logits = {0.0f, 5.0f, 1.0f, 4.9f};
    cpu::Sampler greedy(0.0f, 1.0f, 1);
    CHECK_EQ(greedy.sample(logits), 1);
    cpu::Sampler nucleus(1.0f, 0.5f, 3);
    for (int i = 0; i < 50; ++i) CHECK_EQ(nucleus.sample(logits), 1);  // token 1 alone holds > 50% of the mass
    cpu::Sampler wide(1.0f, 1.0f, 5);
    std::map<int, int> counts;
    for (int i = 0; i < 2000; ++i) ++counts[wide.sample(logits)];
    CHECK(counts[1] > 800 && counts[3] > 700);  // p = 0.50 and 0.46
    CHECK_THROWS_WITH(cpu::Sampler(1.0f, 0.0f, 1), "top_p");
}

TEST("sampler: the nucleus sorted in growing prefixes picks what a full sort picks") {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 4.0f);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (int round = 0; round < 40; ++round) {
        std::vector<float> logits(5000);
        for (auto& l : logits) l = round % 2 ? std::round(normal(rng)) : normal(rng);  // odd rounds: many ties
        const float top_p = round % 4 < 2 ? 0.9f : 0.999f;
        const cpu::Sampler s(0.8f, top_p, 1);
        // The definition, written out with a full sort.
        const double mx = *std::max_element(logits.begin(), logits.end());
        std::vector<double> p(logits.size());
        double sum = 0;
        for (size_t i = 0; i < p.size(); ++i) sum += (p[i] = std::exp((double(logits[i]) - mx) / 0.8f));
        std::vector<int32_t> order(p.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return p[a] > p[b]; });
        size_t keep = 0;
        double mass = 0;
        while (keep < order.size() && mass < double(top_p) * sum) mass += p[order[keep++]];
        const double u = uniform(rng);
        double run = 0;
        int32_t want = order[keep - 1];
        for (size_t i = 0; i < keep; ++i)
            if ((run += p[order[i]]) >= u * mass) {
                want = order[i];
                break;
            }
        CHECK_EQ(s.pick(logits, u), want);
    }
}

UNIT_MAIN()
