// The rates the CPU's expert batches really reach, for pricing misses: bytes per second from single-token batches
// (a decode miss costs its bytes) and FLOPs per second from multi-token ones (what their time leaves after the bytes).
#pragma once

#include "runtime/expert_policy.hpp"

#include <cstdint>
#include <span>

namespace fathom::runtime {

class CpuExpertRates {
public:
    // smoothing: weight of the newest batch in the moving averages.
    explicit CpuExpertRates(double smoothing = 0.1) : smoothing_(smoothing) {}

    // One CPU batch: the token count of each of its jobs, each expert's bytes and FLOPs per token, and the batch's
    // wall time. A single-token batch updates the byte rate only; a batch with more tokens updates the FLOP rate
    // from the time left after its bytes at the byte rate (measured, else the nominal one in `nominal`).
    void observe(std::span<const int64_t> tokens_per_job, double expert_bytes, double flops_per_token, double seconds,
                 const OffloadCosts& nominal);

    // `base` with the CPU's byte and FLOP rates replaced where they have been measured.
    OffloadCosts costs(const OffloadCosts& base) const;

    double bytes_per_s() const { return bytes_per_s_; }  // 0 until measured
    double flops_per_s() const { return flops_per_s_; }  // 0 until measured

private:
    double smoothing_;
    double bytes_per_s_ = 0, flops_per_s_ = 0;
};

}  // namespace fathom::runtime
