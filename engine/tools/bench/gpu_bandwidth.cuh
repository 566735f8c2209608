// The GPU floors the CUDA benchmarks print beside their figures, measured in the same run: HBM bandwidth
// (device-to-device copy), PCIe host-to-GPU bandwidth (from pinned memory) and the tensor cores' matrix rates.
#pragma once

namespace fathom::bench {

double hbm_bandwidth_gb_per_s();        // 2 GiB copied, best of 5 after a warm-up, read + write counted
double pcie_h2d_bandwidth_gb_per_s();   // 1 GiB from pinned host memory, best of 5
// Dense matrix rates of this GPU's tensor cores through cuBLASLt, 8192^3 products, best of 5 after a warm-up:
// FP8 with DeepSeek's block scaling (the rate the prefill goal is stated against) and bf16 (the exact mode's).
double fp8_matrix_tflops();
double bf16_matrix_tflops();

}  // namespace fathom::bench
