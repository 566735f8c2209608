#include "cuda/device_weight.hpp"

namespace fathom::cuda {

DeviceWeight::DeviceWeight(const cpu::Weight& h) {
    view_.format = h.format;
    view_.out = h.out;
    view_.in = h.in;
    view_.row0 = 0;
    view_.scale_cols = h.scale_cols;
    // Upload every stored row of the weight (a host row slice still uploads from its first stored row).
    size_t data_bytes = 0, scale_bytes = 0;
    const uint8_t* data_src = h.data;
    const uint8_t* scale_src = h.scale;
    switch (h.format) {
        case cpu::WeightFormat::Fp8Block128:
            data_bytes = static_cast<size_t>(h.out * h.in);
            data_src = h.data + h.row0 * h.in;
            if (h.row0 % 128 != 0) throw Error("DeviceWeight: an FP8 row slice must start on a 128-row block");
            scale_src = h.scale + (h.row0 / 128) * h.scale_cols;
            scale_bytes = static_cast<size_t>((h.out + 127) / 128 * h.scale_cols);
            break;
        case cpu::WeightFormat::Fp4Group32:
            data_bytes = static_cast<size_t>(h.out * h.in / 2);
            data_src = h.data + h.row0 * h.in / 2;
            scale_src = h.scale + h.row0 * h.scale_cols;
            scale_bytes = static_cast<size_t>(h.out * h.scale_cols);
            break;
        case cpu::WeightFormat::Bf16:
            data_bytes = static_cast<size_t>(h.out * h.in * 2);
            data_src = h.data + h.row0 * h.in * 2;
            break;
        case cpu::WeightFormat::F32:
            data_bytes = static_cast<size_t>(h.out * h.in * 4);
            data_src = h.owned.empty() ? h.data + h.row0 * h.in * 4
                                       : reinterpret_cast<const uint8_t*>(h.owned.data() + h.row0 * h.in);
            break;
    }
    data_ = DeviceBuffer::from(std::span<const uint8_t>(data_src, data_bytes));
    if (scale_bytes) scale_ = DeviceBuffer::from(std::span<const uint8_t>(scale_src, scale_bytes));
    view_.data = data_.as<uint8_t>();
    view_.scale = scale_.as<uint8_t>();
}

DeviceWeightView DeviceWeight::rows(int64_t begin, int64_t count) const {
    if (begin < 0 || count < 0 || begin + count > view_.out) throw Error("DeviceWeight::rows: out of range");
    DeviceWeightView v = view_;
    v.row0 += begin;
    v.out = count;
    return v;
}

}  // namespace fathom::cuda
