// Matrix products y[T, out] = x[T, in] · W^T over weights kept in their checkpoint formats (FP8 block-scaled,
// packed FP4, bf16, fp32): each weight row is decoded once per call and reused for every token row.
#pragma once

#include "model/checkpoint.hpp"

#include <cstdint>
#include <vector>

namespace fathom::cpu {

enum class WeightFormat { Fp8Block128, Fp4Group32, Bf16, F32 };

struct Weight {
    WeightFormat format = WeightFormat::F32;
    int64_t out = 0, in = 0;
    const uint8_t* data = nullptr;   // checkpoint bytes (mapped)
    const uint8_t* scale = nullptr;  // e8m0 scales for FP8/FP4
    int64_t scale_cols = 0;
    int64_t row0 = 0;                // first stored row this view covers (see row_slice)
    std::vector<float> owned;        // for F32 weights built in memory (tests)

    uint64_t bytes() const;  // bytes read per full pass over the weight
};

// Views into the checkpoint, with dtype and shape checked (errors name file and tensor).
Weight fp8_weight(const Checkpoint& ck, const std::string& prefix, int64_t out, int64_t in);  // prefix.weight + .scale
Weight fp4_weight(const Checkpoint& ck, const std::string& prefix, int64_t out, int64_t in);
Weight bf16_weight(const Checkpoint& ck, const std::string& name, int64_t out, int64_t in);
Weight f32_weight(const Checkpoint& ck, const std::string& name, int64_t out, int64_t in);

// y = x · W^T for T rows; x [T, in], y [T, out]. The input is used as given (callers apply the FP8 rounding).
void linear(const Weight& w, const float* x, int64_t T, float* y);

// The rows [begin, begin + count) of w as a weight of their own (V4's grouped output projection).
Weight row_slice(const Weight& w, int64_t begin, int64_t count);

// Decodes row o of W into out_row[in] (reference path; also used by tests).
void decode_row(const Weight& w, int64_t o, float* out_row);

}  // namespace fathom::cpu
