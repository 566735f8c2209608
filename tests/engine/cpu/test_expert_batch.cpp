// The batched CPU expert runs (all experts' matrices in two parallel sweeps) against expert_forward one by one.
#include "cpu/expert_batch.hpp"
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
    run_expert_jobs(jobs, 7.0f);
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

UNIT_MAIN()
