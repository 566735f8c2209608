// fathom-cli check: compares an eval output with the golden answers by the rules of ../shared/fixtures/README.md
// (per-position relative L2 error, medians/percentiles, top-1 agreement, identical decision rows) and prints each.
#include "command.hpp"
#include "golden_files.hpp"

#include "fathom/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace fathom::cli {
namespace {

struct Errors {
    std::vector<double> rel;  // per row
    double top1 = 1.0;
    double quantile(double q) const {
        std::vector<double> v = rel;
        std::sort(v.begin(), v.end());
        if (v.empty()) return 0.0;
        return v[static_cast<size_t>(std::min<double>(v.size() - 1, std::floor(q * (v.size() - 1) + 0.5)))];
    }
};

Errors compare_rows(const std::vector<float>& a, const std::vector<float>& g, int64_t rows, size_t g_offset = 0) {
    Errors e;
    const size_t n = a.size() / static_cast<size_t>(rows);
    int64_t agree = 0;
    for (int64_t r = 0; r < rows; ++r) {
        double num = 0, den = 0;
        size_t am = 0, gm = 0;
        for (size_t i = 0; i < n; ++i) {
            const double x = a[r * n + i], y = g[g_offset + r * n + i];
            num += (x - y) * (x - y);
            den += y * y;
            if (a[r * n + i] > a[r * n + am]) am = i;
            if (g[g_offset + r * n + i] > g[g_offset + r * n + gm]) gm = i;
        }
        e.rel.push_back(std::sqrt(num) / std::max(std::sqrt(den), 1e-30));
        agree += (am == gm);
    }
    e.top1 = static_cast<double>(agree) / static_cast<double>(rows);
    return e;
}

double identical_rows(std::vector<int64_t> a, std::vector<int64_t> g, int64_t width) {
    const int64_t rows = static_cast<int64_t>(g.size()) / width;
    if (a.size() != g.size()) return 0.0;
    int64_t same = 0;
    for (int64_t r = 0; r < rows; ++r) {
        std::sort(a.begin() + r * width, a.begin() + (r + 1) * width);
        std::sort(g.begin() + r * width, g.begin() + (r + 1) * width);
        same += std::equal(a.begin() + r * width, a.begin() + (r + 1) * width, g.begin() + r * width);
    }
    return static_cast<double>(same) / static_cast<double>(rows);
}

// --same-as: two eval outputs must hold the same values bit for bit (e.g. with and without --restore-at).
int run_same_as(const Args& args) {
    TensorFolder a(args.require("--out")), b(args.require("--same-as"));
    int differing = 0;
    for (const char* name : {"prefill_logits", "decode_logits"}) {
        const auto x = a.f32(name), y = b.f32(name);
        const bool same = x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * 4) == 0;
        std::printf("%-16s %s\n", name, same ? "identical" : "DIFFERENT");
        differing += !same;
    }
    return differing == 0 ? 0 : 1;
}

int run_check(const Args& args) {
    if (args.has("--same-as")) return run_same_as(args);
    TensorFolder golden(args.require("--golden"));
    TensorFolder out(args.require("--out"));
    const bool require_e2e = !args.has("--blocks-only");
    const int64_t T = golden.info("input_ids").numel();
    const int64_t P = golden.ints("prefill_len").at(0);
    int failures = 0;
    auto verdict = [&](bool ok, bool required) {
        if (!ok && required) ++failures;
        return ok ? "ok" : (required ? "FAIL" : "fail (not required)");
    };

    for (const char* kind : {"prefill", "decode"}) {
        for (int64_t n = 0;; ++n) {
            const std::string name = std::string(kind) + ".layers." + std::to_string(n) + ".out";
            if (!out.has(name)) break;
            const std::string gname = "prefill.layers." + std::to_string(n) + ".out";
            if (!golden.has(gname)) {
                std::printf("%-28s no golden answer, skipped\n", name.c_str());
                continue;
            }
            const auto a = out.f32(name);
            const auto g = golden.f32(gname);
            const bool decode = std::string(kind) == "decode";
            const int64_t rows = decode ? T - P : T;
            const size_t offset = decode ? static_cast<size_t>(P) * (g.size() / static_cast<size_t>(T)) : 0;
            const auto e = compare_rows(a, g, rows, offset);
            const double med = e.quantile(0.5), p99 = e.quantile(0.99);
            std::printf("%-28s median %.2e p99 %.2e max %.2e  %s\n", name.c_str(), med, p99, e.quantile(1.0),
                        verdict(med <= 1e-5 && p99 <= 1e-2, true));
        }
    }
    for (const char* name : {"prefill_logits", "decode_logits"}) {
        const auto a = out.f32(name);
        const auto g = golden.f32(name);
        const int64_t rows = out.info(name).shape.at(0);
        const auto e = compare_rows(a, g, rows);
        const double med = e.quantile(0.5), p90 = e.quantile(0.9);
        std::printf("%-28s median %.2e p90 %.2e top1 %.4f  %s\n", name, med, p90, e.top1,
                    verdict(med <= 1e-4 && p90 <= 1e-3 && e.top1 >= 0.99, require_e2e));
    }
    for (int64_t n = 0;; ++n) {
        const std::string p = "prefill.layers." + std::to_string(n);
        if (!out.has(p + ".experts")) break;
        for (const char* what : {".experts", ".indexer_topk"}) {
            const std::string name = p + what;
            if (!out.has(name) || !golden.has(name)) continue;
            const double same = identical_rows(out.ints(name), golden.ints(name), golden.info(name).shape.at(1));
            std::printf("%-28s identical rows %.4f  %s\n", name.c_str(), same, verdict(same >= 0.99, require_e2e));
        }
    }
    std::printf("check: %d required bound(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}

const CommandRegistrar kCheck({"check",
                               "--golden DIR --out OUT.safetensors [--blocks-only] | --out A --same-as B  compare an eval output with "
                               "the golden answers and the fixture README's bounds, or two outputs bit for bit",
                               run_check});

}  // namespace
}  // namespace fathom::cli
