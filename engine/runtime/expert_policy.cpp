#include "runtime/expert_policy.hpp"

#include "fathom/error.hpp"

#include <algorithm>
#include <limits>

namespace fathom::runtime {

ExpertCachePolicy::ExpertCachePolicy(int64_t layers, int64_t experts, int64_t slots, bool adapt, double decay)
    : layers_(layers), experts_(experts), adapt_(adapt), decay_(decay) {
    if (layers < 0 || experts < 0 || slots < 0) throw Error("expert cache: negative size");
    slots = std::min(slots, layers * experts);
    heat_.assign(static_cast<size_t>(layers * experts), 0.0);
    slot_of_.assign(heat_.size(), -1);
    slot_owner_.assign(static_cast<size_t>(slots), {-1, -1});
    layer_steps_.assign(static_cast<size_t>(layers), 0);
    // Equal shares per layer, the remainder to the first layers: slot s holds layer s % L, expert s / L.
    for (int64_t s = 0; s < slots; ++s) {
        const int64_t layer = s % layers, expert = s / layers;
        slot_owner_[s] = {static_cast<int32_t>(layer), static_cast<int32_t>(expert)};
        slot_of_[index(layer, expert)] = s;
    }
}

void ExpertCachePolicy::observe(int64_t layer, std::span<const int32_t> chosen) {
    double* h = heat_.data() + layer * experts_;
    for (int64_t e = 0; e < experts_; ++e) h[e] *= decay_;
    for (int32_t e : chosen)
        if (e >= 0 && e < experts_) h[e] += 1.0;
    ++layer_steps_[static_cast<size_t>(layer)];
}

bool ExpertCachePolicy::stream_cheaper(MissPolicy p, int64_t tokens, double expert_bytes, double flops_per_token,
                                       const OffloadCosts& c) {
    if (p == MissPolicy::Cpu) return false;
    if (p == MissPolicy::Stream) return true;
    const double cpu_s = expert_bytes / c.cpu_bytes_per_s + static_cast<double>(tokens) * flops_per_token / c.cpu_flops_per_s;
    const double copy_s = expert_bytes / c.pcie_bytes_per_s;
    return copy_s < cpu_s;
}

bool ExpertCachePolicy::stream_cheaper(int64_t tokens, double expert_bytes, double flops_per_token, const OffloadCosts& c) const {
    return stream_cheaper(MissPolicy::Auto, tokens, expert_bytes, flops_per_token, c);
}

std::vector<bool> ExpertCachePolicy::plan_misses(MissPolicy p, std::span<const int64_t> tokens, double expert_bytes,
                                                 double flops_per_token, const OffloadCosts& c) {
    std::vector<bool> stream(tokens.size(), p == MissPolicy::Stream);
    if (p != MissPolicy::Auto) return stream;
    // The first row of a miss costs its bytes on either path; further rows cost FLOPs on the CPU only (the GPU's
    // compute is small next to the copy).
    auto cpu_cost = [&](int64_t n) { return expert_bytes / c.cpu_bytes_per_s + static_cast<double>(std::max<int64_t>(0, n - 1)) * flops_per_token / c.cpu_flops_per_s; };
    const double copy_cost = expert_bytes / c.pcie_bytes_per_s;
    std::vector<size_t> order(tokens.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tokens[a] > tokens[b]; });
    double cpu_end = 0, copy_end = 0;
    for (size_t i : order) {
        const double if_cpu = std::max(cpu_end + cpu_cost(tokens[i]), copy_end);
        const double if_copy = std::max(cpu_end, copy_end + copy_cost);
        if (if_copy < if_cpu) {
            stream[i] = true;
            copy_end += copy_cost;
        } else {
            cpu_end += cpu_cost(tokens[i]);
        }
    }
    return stream;
}

int64_t ExpertCachePolicy::coldest_slot(std::span<const int64_t> excluded) const {
    int64_t best = -1;
    double best_heat = std::numeric_limits<double>::infinity();
    for (int64_t s = 0; s < slots(); ++s) {
        if (std::find(excluded.begin(), excluded.end(), s) != excluded.end()) continue;
        const auto [l, e] = slot_owner_[s];
        const double h = l < 0 ? -1.0 : heat_[index(l, e)];
        if (h < best_heat) {
            best_heat = h;
            best = s;
        }
    }
    return best;
}

std::vector<ExpertSlotChange> ExpertCachePolicy::propose(int64_t layer, std::span<const int32_t> used, int64_t max_changes) const {
    std::vector<ExpertSlotChange> changes;
    if (!adapt_ || slots() == 0) return changes;
    // Hottest candidates first; each must beat the slot it takes by a margin so that near-uniform routing does not
    // make experts bounce in and out (every move costs a copy over PCIe).
    std::vector<int32_t> candidates;
    for (int32_t e : used)
        if (e >= 0 && e < experts_ && slot_of(layer, e) < 0 && std::find(candidates.begin(), candidates.end(), e) == candidates.end())
            candidates.push_back(e);
    std::sort(candidates.begin(), candidates.end(), [&](int32_t a, int32_t b) { return heat(layer, a) > heat(layer, b); });
    std::vector<int64_t> taken;
    for (int32_t e : candidates) {
        if (static_cast<int64_t>(changes.size()) >= max_changes) break;
        const int64_t s = coldest_slot(taken);
        if (s < 0) break;
        const auto [ol, oe] = slot_owner_[s];
        const double victim = ol < 0 ? -1.0 : heat_[index(ol, oe)];
        if (!(heat(layer, e) > 1.5 * victim + 1.0)) break;
        changes.push_back({s, static_cast<int32_t>(layer), e, ol, oe});
        taken.push_back(s);
    }
    return changes;
}

void ExpertCachePolicy::commit(const ExpertSlotChange& c) {
    if (c.slot < 0 || c.slot >= slots()) throw Error("expert cache: slot " + std::to_string(c.slot) + " out of range");
    const auto [ol, oe] = slot_owner_[c.slot];
    if (ol >= 0) slot_of_[index(ol, oe)] = -1;
    slot_owner_[c.slot] = {c.layer, c.expert};
    slot_of_[index(c.layer, c.expert)] = c.slot;
}

}  // namespace fathom::runtime
