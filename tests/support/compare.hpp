// Comparing a computed vector with a reference in tests: the relative L2 error (infinite when either holds a value
// that is not finite, so a NaN never passes a bound).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace unit {

inline double rel_error(const std::vector<float>& a, const std::vector<float>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
        num += (a[i] - double(b[i])) * (a[i] - double(b[i]));
        den += double(b[i]) * b[i];
    }
    if (a.size() != b.size()) return INFINITY;
    return std::sqrt(num / std::max(den, 1e-300));
}

}  // namespace unit
