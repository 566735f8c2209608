// Random weights in each stored format (FP8 block-scaled, packed FP4, bf16) with shapes that are not multiples
// of the block sizes, for testing fast kernels (CPU SIMD, CUDA) against the reference ones.
#pragma once

#include "cpu/linear.hpp"
#include "model/number_formats.hpp"

#include <random>
#include <vector>

namespace unit {

using fathom::cpu::Weight;
using fathom::cpu::WeightFormat;
using fathom::f32_to_bf16;

struct OwnedWeight {
    std::vector<uint8_t> data, scale;
    Weight w;
};

// Random weights in each stored format, with shapes that are not multiples of the block sizes.
OwnedWeight random_weight(WeightFormat f, int64_t out, int64_t in, std::mt19937& rng) {
    OwnedWeight o;
    std::uniform_int_distribution<int> byte(0, 255), scale_byte(110, 135), big_scale(136, 140);
    o.w.format = f;
    o.w.out = out;
    o.w.in = in;
    switch (f) {
        case WeightFormat::Fp8Block128: {
            o.data.resize(static_cast<size_t>(out * in));
            for (auto& b : o.data) {
                b = static_cast<uint8_t>(byte(rng));
                if ((b & 0x7f) == 0x7f) b &= 0xfe;  // no NaN codes
            }
            o.w.scale_cols = (in + 127) / 128;
            o.scale.resize(static_cast<size_t>((out + 127) / 128 * o.w.scale_cols));
            for (size_t i = 0; i < o.scale.size(); ++i)
                o.scale[i] = static_cast<uint8_t>(i == 1 ? big_scale(rng) : scale_byte(rng));  // one scale past 2^7
            break;
        }
        case WeightFormat::Fp4Group32: {
            o.data.resize(static_cast<size_t>(out * in / 2));
            for (auto& b : o.data) b = static_cast<uint8_t>(byte(rng));
            o.w.scale_cols = in / 32;
            o.scale.resize(static_cast<size_t>(out * o.w.scale_cols));
            for (auto& s : o.scale) s = static_cast<uint8_t>(scale_byte(rng));
            break;
        }
        case WeightFormat::Bf16: {
            o.data.resize(static_cast<size_t>(out * in * 2));
            std::normal_distribution<float> n(0.0f, 1.0f);
            for (int64_t i = 0; i < out * in; ++i) {
                const uint16_t b = f32_to_bf16(n(rng));
                o.data[2 * i] = static_cast<uint8_t>(b & 0xff);
                o.data[2 * i + 1] = static_cast<uint8_t>(b >> 8);
            }
            break;
        }
        case WeightFormat::F32: break;
    }
    o.w.data = o.data.data();
    o.w.scale = o.scale.data();
    return o;
}

}  // namespace unit
