// The CPU expert rates that price misses: byte rate from single-token batches, FLOP rate from the rest.
#include "runtime/cpu_expert_rates.hpp"
#include "unit.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

using fathom::runtime::CpuExpertRates;
using fathom::runtime::ExpertCachePolicy;
using fathom::runtime::MissPolicy;
using fathom::runtime::OffloadCosts;

namespace {
bool near(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); }
const double kBytes = 10e6, kFlops = 1e8;  // one expert: 10 MB, 0.1 GFLOP per token
}  // namespace

TEST("nominal rates until a batch is measured") {
    CpuExpertRates r;
    OffloadCosts nominal;
    nominal.cpu_bytes_per_s = 80e9;
    nominal.cpu_flops_per_s = 1e12;
    const OffloadCosts c = r.costs(nominal);
    CHECK(near(c.cpu_bytes_per_s, 80e9));
    CHECK(near(c.cpu_flops_per_s, 1e12));
}

TEST("single-token batches measure the byte rate and leave the FLOP rate alone") {
    CpuExpertRates r(1.0);  // no smoothing: the last batch is the rate
    OffloadCosts nominal;
    const std::vector<int64_t> six_single(6, 1);
    r.observe(six_single, kBytes, kFlops, 60e6 / 40e9, nominal);  // 60 MB in the time 40 GB/s takes
    CHECK(near(r.bytes_per_s(), 40e9));
    CHECK_EQ(r.flops_per_s(), 0.0);
    CHECK(near(r.costs(nominal).cpu_bytes_per_s, 40e9));
    CHECK(near(r.costs(nominal).cpu_flops_per_s, nominal.cpu_flops_per_s));
}

TEST("a prefill batch measures the FLOP rate from the time its bytes leave, and does not touch the byte rate") {
    CpuExpertRates r(1.0);
    OffloadCosts nominal;
    const std::vector<int64_t> single(4, 1);
    r.observe(single, kBytes, kFlops, 40e6 / 40e9, nominal);  // byte rate 40 GB/s
    // Two experts of 51 tokens: 20 MB (0.5 ms at 40 GB/s) and 100 extra token-FLOPs of 0.1 GFLOP (10 GFLOP) in
    // 0.5 ms + 20 ms: 0.5 TFLOP/s.
    const std::vector<int64_t> prefill{51, 51};
    r.observe(prefill, kBytes, kFlops, 0.5e-3 + 20e-3, nominal);
    CHECK(near(r.bytes_per_s(), 40e9));
    CHECK(near(r.flops_per_s(), 0.5e12));
}

TEST("a batch faster than its bytes predict claims at most ten times its FLOPs over its time") {
    CpuExpertRates r(1.0);
    OffloadCosts nominal;
    nominal.cpu_bytes_per_s = 10e9;  // says 2 ms for 20 MB; the batch took 1 ms
    const std::vector<int64_t> prefill{2, 2};
    r.observe(prefill, kBytes, kFlops, 1e-3, nominal);
    CHECK(near(r.flops_per_s(), 2e8 / 1e-4));
}

TEST("measured slow CPU FLOPs send multi-token misses to the copies, single-token ones still share the work") {
    CpuExpertRates r(1.0);
    OffloadCosts nominal;
    nominal.pcie_bytes_per_s = 50e9;
    nominal.cpu_bytes_per_s = 50e9;
    nominal.cpu_flops_per_s = 1e12;
    const std::vector<int64_t> misses(8, 8);  // at nominal rates the CPU takes one of these eight
    const auto before = ExpertCachePolicy::plan_misses(MissPolicy::Auto, misses, kBytes, kFlops, r.costs(nominal));
    // The CPU turns out to reach 0.05 TFLOP/s on multi-token experts (7 extra tokens: 14 ms for 0.7 GFLOP).
    const std::vector<int64_t> batch{8};
    r.observe(batch, kBytes, kFlops, 10e6 / 50e9 + 14e-3, nominal);
    CHECK(near(r.flops_per_s(), 0.05e12));
    const auto after = ExpertCachePolicy::plan_misses(MissPolicy::Auto, misses, kBytes, kFlops, r.costs(nominal));
    CHECK_EQ(std::count(before.begin(), before.end(), true), 7);
    CHECK_EQ(std::count(after.begin(), after.end(), true), 8);
    const std::vector<int64_t> single(6, 1);
    const auto decode = ExpertCachePolicy::plan_misses(MissPolicy::Auto, single, kBytes, kFlops, r.costs(nominal));
    CHECK_EQ(std::count(decode.begin(), decode.end(), true), 3);
}

UNIT_MAIN()
