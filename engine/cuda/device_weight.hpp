// DeviceWeight: a matrix in its checkpoint format (FP8 block-scaled, packed FP4, bf16, fp32) resident on the
// GPU, uploaded byte for byte from the mapped checkpoint so the kernels decode it on the fly.
#pragma once

#include "cpu/linear.hpp"
#include "cuda/device_buffer.hpp"

namespace fathom::cuda {

struct DeviceWeightView {
    cpu::WeightFormat format = cpu::WeightFormat::F32;
    int64_t out = 0, in = 0, row0 = 0, scale_cols = 0;
    const uint8_t* data = nullptr;   // device
    const uint8_t* scale = nullptr;  // device
};

class DeviceWeight {
public:
    DeviceWeight() = default;
    explicit DeviceWeight(const cpu::Weight& host);  // copies the weight's bytes (all rows) to the GPU

    DeviceWeightView view() const { return view_; }
    DeviceWeightView rows(int64_t begin, int64_t count) const;  // like cpu::row_slice
    size_t bytes() const { return data_.bytes() + scale_.bytes(); }

private:
    DeviceBuffer data_, scale_;
    DeviceWeightView view_;
};

}  // namespace fathom::cuda
