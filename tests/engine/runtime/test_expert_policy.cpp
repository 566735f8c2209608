// The expert cache policy: initial placement, statistics, the miss decision and moving hot experts in.
#include "runtime/expert_policy.hpp"
#include "unit.hpp"

#include <algorithm>
#include <set>

using fathom::runtime::ExpertCachePolicy;
using fathom::runtime::MissPolicy;
using fathom::runtime::OffloadCosts;

TEST("initial placement shares the slots equally between layers") {
    ExpertCachePolicy p(4, 8, 10);
    CHECK_EQ(p.slots(), 10);
    std::vector<int> per_layer(4, 0);
    std::set<std::pair<int, int>> seen;
    for (int64_t s = 0; s < p.slots(); ++s) {
        const auto [l, e] = p.slot_owners()[s];
        ++per_layer[l];
        CHECK(seen.insert({l, e}).second);
        CHECK_EQ(p.slot_of(l, e), s);
    }
    CHECK_EQ(per_layer[0], 3);
    CHECK_EQ(per_layer[1], 3);
    CHECK_EQ(per_layer[2], 2);
    CHECK_EQ(per_layer[3], 2);
    CHECK_EQ(p.slot_of(2, 7), -1);
}

TEST("more slots than experts: every expert is resident") {
    ExpertCachePolicy p(2, 3, 100);
    CHECK_EQ(p.slots(), 6);
    for (int l = 0; l < 2; ++l)
        for (int e = 0; e < 3; ++e) CHECK(p.slot_of(l, e) >= 0);
}

TEST("a hot expert replaces the coldest resident one, a lukewarm one does not") {
    ExpertCachePolicy p(2, 8, 2);  // layer 0 expert 0, layer 1 expert 0
    const std::vector<int32_t> hot{5, 5, 5};
    for (int step = 0; step < 4; ++step) p.observe(0, hot);
    const std::vector<int32_t> used{5};
    auto changes = p.propose(0, used, 4);
    CHECK_EQ(changes.size(), size_t{1});
    if (changes.empty()) return;
    CHECK_EQ(changes[0].layer, 0);
    CHECK_EQ(changes[0].expert, 5);
    CHECK(changes[0].old_expert == 0);  // both residents are cold; ties go to the first slot
    p.commit(changes[0]);
    CHECK(p.slot_of(0, 5) >= 0);
    CHECK_EQ(p.slot_of(changes[0].old_layer, changes[0].old_expert), -1);

    // Expert 6 used once is not hotter than the residents by the margin once they are in use too.
    for (int step = 0; step < 4; ++step) {
        p.observe(0, std::vector<int32_t>{5});
        p.observe(1, std::vector<int32_t>{0});
    }
    p.observe(0, std::vector<int32_t>{6});
    CHECK(p.propose(0, std::vector<int32_t>{6}, 4).empty());
}

TEST("a fixed placement never proposes moves") {
    ExpertCachePolicy p(1, 8, 2, /*adapt=*/false);
    for (int step = 0; step < 10; ++step) p.observe(0, std::vector<int32_t>{7});
    CHECK(p.propose(0, std::vector<int32_t>{7}, 4).empty());
}

TEST("misses: the CPU for few tokens, streaming for many, forced policies obeyed") {
    OffloadCosts c;
    c.pcie_bytes_per_s = 50e9;
    c.cpu_bytes_per_s = 100e9;
    c.cpu_flops_per_s = 2e12;
    const double bytes = 13.4e6, flops = 2.0 * 3 * 2048 * 4096;
    CHECK(!ExpertCachePolicy::stream_cheaper(MissPolicy::Auto, 1, bytes, flops, c));
    CHECK(ExpertCachePolicy::stream_cheaper(MissPolicy::Auto, 512, bytes, flops, c));
    CHECK(ExpertCachePolicy::stream_cheaper(MissPolicy::Stream, 1, bytes, flops, c));
    CHECK(!ExpertCachePolicy::stream_cheaper(MissPolicy::Cpu, 512, bytes, flops, c));
}

TEST("misses are split so that the CPU and the copies finish together") {
    OffloadCosts c;
    c.pcie_bytes_per_s = 50e9;
    c.cpu_bytes_per_s = 50e9;
    c.cpu_flops_per_s = 1e12;
    const double bytes = 10e6, flops = 1e8;
    const std::vector<int64_t> six_single{1, 1, 1, 1, 1, 1};
    auto plan = ExpertCachePolicy::plan_misses(MissPolicy::Auto, six_single, bytes, flops, c);
    CHECK_EQ(std::count(plan.begin(), plan.end(), true), 3);  // equal rates: half each way

    c.cpu_bytes_per_s = 25e9;  // a CPU half as fast takes a third
    plan = ExpertCachePolicy::plan_misses(MissPolicy::Auto, six_single, bytes, flops, c);
    CHECK_EQ(std::count(plan.begin(), plan.end(), true), 4);

    // A miss with many rows is streamed first (its CPU cost grows with the rows); single rows stay on the CPU.
    c.cpu_bytes_per_s = 50e9;
    const std::vector<int64_t> mixed{1, 2000, 1};
    plan = ExpertCachePolicy::plan_misses(MissPolicy::Auto, mixed, bytes, flops, c);
    CHECK(plan[1]);
    CHECK(!plan[0] || !plan[2]);

    plan = ExpertCachePolicy::plan_misses(MissPolicy::Cpu, mixed, bytes, flops, c);
    CHECK_EQ(std::count(plan.begin(), plan.end(), true), 0);
    plan = ExpertCachePolicy::plan_misses(MissPolicy::Stream, mixed, bytes, flops, c);
    CHECK_EQ(std::count(plan.begin(), plan.end(), true), 3);
}

UNIT_MAIN()
