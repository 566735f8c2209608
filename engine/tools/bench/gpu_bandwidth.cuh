// The GPU floors the CUDA benchmarks print beside their figures, measured in the same run: HBM bandwidth
// (device-to-device copy) and PCIe host-to-GPU bandwidth (from pinned memory).
#pragma once

namespace fathom::bench {

double hbm_bandwidth_gb_per_s();        // 2 GiB copied, best of 5 after a warm-up, read + write counted
double pcie_h2d_bandwidth_gb_per_s();   // 1 GiB from pinned host memory, best of 5

}  // namespace fathom::bench
