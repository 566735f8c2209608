#include "runtime/cpu_expert_rates.hpp"

#include <algorithm>

namespace fathom::runtime {

namespace {
double blend(double average, double sample, double weight) { return average > 0 ? (1.0 - weight) * average + weight * sample : sample; }
}  // namespace

void CpuExpertRates::observe(std::span<const int64_t> tokens_per_job, double expert_bytes, double flops_per_token, double seconds,
                             const OffloadCosts& nominal) {
    if (tokens_per_job.empty() || seconds <= 0) return;
    const double bytes = expert_bytes * static_cast<double>(tokens_per_job.size());
    double extra_flops = 0;
    for (int64_t n : tokens_per_job) extra_flops += static_cast<double>(std::max<int64_t>(0, n - 1)) * flops_per_token;
    if (extra_flops == 0) {
        bytes_per_s_ = blend(bytes_per_s_, bytes / seconds, smoothing_);
        return;
    }
    // The bytes' share of the time at the byte rate; the rest is the FLOPs'. At least a tenth of the time is
    // counted for them, so a batch that ran faster than its bytes predict cannot claim an unbounded rate.
    const double byte_time = bytes / (bytes_per_s_ > 0 ? bytes_per_s_ : nominal.cpu_bytes_per_s);
    const double flop_time = std::max(seconds - byte_time, 0.1 * seconds);
    flops_per_s_ = blend(flops_per_s_, extra_flops / flop_time, smoothing_);
}

OffloadCosts CpuExpertRates::costs(const OffloadCosts& base) const {
    OffloadCosts c = base;
    if (bytes_per_s_ > 0) c.cpu_bytes_per_s = bytes_per_s_;
    if (flops_per_s_ > 0) c.cpu_flops_per_s = flops_per_s_;
    return c;
}

}  // namespace fathom::runtime
