// The batched CPU expert runs (all experts' matrices in two parallel sweeps) against expert_forward one by one.
#include "cpu/expert_batch.hpp"
#include "cpu/fp4_bf16_rows.hpp"
#include "cpu/quantize.hpp"
#include "random_weights.hpp"
#include "unit.hpp"

#include <random>

using namespace fathom::cpu;

namespace {

void check_against_one_by_one(WeightFormat f, int64_t d, int64_t inter, std::vector<int64_t> rows_per_job) {
    std::mt19937 rng(static_cast<unsigned>(d * 31 + inter + rows_per_job.size()));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<unit::OwnedWeight> owned;
    std::vector<ExpertWeights> experts;
    for (size_t i = 0; i < rows_per_job.size(); ++i) {
        owned.push_back(unit::random_weight(f, inter, d, rng));
        owned.push_back(unit::random_weight(f, d, inter, rng));
        owned.push_back(unit::random_weight(f, inter, d, rng));
    }
    for (size_t i = 0; i < rows_per_job.size(); ++i) experts.push_back({owned[3 * i].w, owned[3 * i + 1].w, owned[3 * i + 2].w});
    std::vector<std::vector<float>> xs, ws, batched, single;
    std::vector<ExpertJob> jobs;
    for (size_t i = 0; i < rows_per_job.size(); ++i) {
        const int64_t n = rows_per_job[i];
        xs.emplace_back(static_cast<size_t>(n * d));
        for (auto& x : xs.back()) x = normal(rng);
        ws.emplace_back(static_cast<size_t>(n));
        for (auto& w : ws.back()) w = 0.1f + std::abs(normal(rng));
        batched.emplace_back(static_cast<size_t>(n * d), 0.5f);
        single.emplace_back(static_cast<size_t>(n * d), 0.5f);
    }
    for (size_t i = 0; i < rows_per_job.size(); ++i)
        jobs.push_back({&experts[i], xs[i].data(), ws[i].data(), rows_per_job[i], batched[i].data()});
    run_expert_jobs(jobs, 7.0f, /*allow_bf16=*/false);
    for (size_t i = 0; i < rows_per_job.size(); ++i)
        expert_forward(experts[i], xs[i].data(), ws[i].data(), rows_per_job[i], 7.0f, single[i].data());
    size_t mismatches = 0;
    for (size_t i = 0; i < rows_per_job.size(); ++i)
        for (size_t c = 0; c < batched[i].size(); ++c) mismatches += batched[i][c] != single[i][c];
    CHECK_EQ(mismatches, size_t{0});
}

}  // namespace

TEST("FP4 experts, one token each (decode), bit for bit") {
    check_against_one_by_one(WeightFormat::Fp4Group32, 256, 128, {1, 1, 1, 1, 1, 1});
}

TEST("FP4 experts with up to four tokens, odd row counts") {
    check_against_one_by_one(WeightFormat::Fp4Group32, 192, 96, {2, 4, 1, 3});
}

TEST("FP8 experts and jobs over four tokens (the per-expert path)") {
    check_against_one_by_one(WeightFormat::Fp8Block128, 256, 160, {1, 5});
}

TEST("a block's MoE in one batch equals routed then shared experts one by one, bit for bit") {
    for (int64_t T : {1, 3, 9}) {
        std::mt19937 rng(static_cast<unsigned>(T));
        std::normal_distribution<float> normal(0.0f, 1.0f);
        const int64_t d = 128, inter = 64, E = 5, k = 2;
        std::vector<unit::OwnedWeight> owned;
        std::vector<ExpertWeights> routed, shared;
        for (int64_t e = 0; e < E + 1; ++e) {
            owned.push_back(unit::random_weight(WeightFormat::Fp4Group32, inter, d, rng));
            owned.push_back(unit::random_weight(WeightFormat::Fp4Group32, d, inter, rng));
            owned.push_back(unit::random_weight(WeightFormat::Fp4Group32, inter, d, rng));
        }
        for (int64_t e = 0; e < E + 1; ++e) (e < E ? routed : shared).push_back({owned[3 * e].w, owned[3 * e + 1].w, owned[3 * e + 2].w});
        Routing r;
        for (int64_t t = 0; t < T; ++t) {
            r.experts.push_back(static_cast<int32_t>(t % E));
            r.experts.push_back(static_cast<int32_t>((t + 2) % E));
            r.weights.push_back(0.7f);
            r.weights.push_back(0.3f + 0.01f * static_cast<float>(t));
        }
        std::vector<float> xq(static_cast<size_t>(T * d));
        for (auto& x : xq) x = normal(rng);
        std::vector<float> a(static_cast<size_t>(T * d), 0.25f), b = a;
        run_routed_experts(routed, r, k, xq.data(), T, d, 7.0f, a.data());
        for (const auto& s : shared) run_shared_expert(s, xq.data(), T, d, 7.0f, a.data());
        run_moe_batched(routed, shared, r, k, xq.data(), T, d, 7.0f, b.data());
        size_t mismatches = 0;
        for (size_t i = 0; i < a.size(); ++i) mismatches += a[i] != b[i];
        CHECK_EQ(mismatches, size_t{0});
    }
}

TEST("BF16 dot products on FP8-rounded inputs agree with the fp32 path (and run where the CPU has them)") {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const int64_t d = 256, inter = 128;
    std::vector<unit::OwnedWeight> owned;
    std::vector<ExpertWeights> experts;
    const std::vector<int64_t> rows{1, 4, 2};
    for (size_t i = 0; i < rows.size(); ++i) {
        owned.push_back(unit::random_weight(WeightFormat::Fp4Group32, inter, d, rng));
        owned.push_back(unit::random_weight(WeightFormat::Fp4Group32, d, inter, rng));
        owned.push_back(unit::random_weight(WeightFormat::Fp4Group32, inter, d, rng));
    }
    for (size_t i = 0; i < rows.size(); ++i) experts.push_back({owned[3 * i].w, owned[3 * i + 1].w, owned[3 * i + 2].w});
    std::vector<std::vector<float>> xs, ws, fast, plain;
    for (int64_t n : rows) {
        xs.emplace_back(static_cast<size_t>(n * d));
        for (auto& x : xs.back()) x = normal(rng);
        fp8_round_trip(xs.back().data(), n * d, kActivationBlock);  // as the model's expert inputs are
        ws.emplace_back(static_cast<size_t>(n), 0.8f);
        fast.emplace_back(static_cast<size_t>(n * d), 0.0f);
        plain.emplace_back(static_cast<size_t>(n * d), 0.0f);
    }
    std::vector<ExpertJob> a, b;
    for (size_t i = 0; i < rows.size(); ++i) {
        a.push_back({&experts[i], xs[i].data(), ws[i].data(), rows[i], fast[i].data()});
        b.push_back({&experts[i], xs[i].data(), ws[i].data(), rows[i], plain[i].data()});
    }
    const bool ran = run_expert_jobs(a, 7.0f, true);
    CHECK(!run_expert_jobs(b, 7.0f, false));
    CHECK_EQ(ran, fp4_bf16_available());
    std::printf("  BF16 path %s on this CPU\n", ran ? "ran" : "is not available");
    double worst = 0, scale = 0;
    for (size_t i = 0; i < rows.size(); ++i)
        for (size_t c = 0; c < fast[i].size(); ++c) {
            worst = std::max(worst, static_cast<double>(std::abs(fast[i][c] - plain[i][c])));
            scale = std::max(scale, static_cast<double>(std::abs(plain[i][c])));
        }
    std::printf("  largest difference %.3g against values up to %.3g\n", worst, scale);
    CHECK(scale > 0);
    CHECK(worst <= 1e-4 * scale);

    // An input that is not exactly a bf16 is never rounded to one: the fp32 path runs instead.
    std::vector<float> odd(static_cast<size_t>(d), 1.0f + 1.0f / 1024.0f);
    std::vector<uint16_t> tmp(static_cast<size_t>(d));
    CHECK(!split_to_bf16(odd.data(), 1, d, tmp.data()));
}

UNIT_MAIN()
