// Where each routed expert runs when they do not all fit on the GPU: a fixed number of GPU slots shared by all
// layers, routing statistics that say which experts are hot, and the choice per miss (CPU or stream to the GPU).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace fathom::runtime {

// Throughputs the miss decision is priced with (bytes/s and FLOP/s; measured or configured).
struct OffloadCosts {
    double pcie_bytes_per_s = 50e9;
    double cpu_bytes_per_s = 80e9;
    double cpu_flops_per_s = 1e12;
};

enum class MissPolicy { Auto, Cpu, Stream };

struct ExpertSlotChange {
    int64_t slot = 0;
    int32_t layer = 0, expert = 0;       // the expert that moves in
    int32_t old_layer = -1, old_expert = -1;  // the one it replaces (-1: the slot was empty)
};

class ExpertCachePolicy {
public:
    // `slots` GPU slots for `layers` x `experts` routed experts. The initial placement gives every layer an equal
    // share of slots (experts 0, 1, ...), since nothing is known about routing before the first tokens.
    // `adapt`: move experts that routing makes hot into the cache (else the placement stays fixed).
    ExpertCachePolicy(int64_t layers, int64_t experts, int64_t slots, bool adapt = true, double decay = 0.98);

    int64_t slots() const { return static_cast<int64_t>(slot_owner_.size()); }
    // The slot holding (layer, expert), or -1.
    int64_t slot_of(int64_t layer, int64_t expert) const { return slot_of_[index(layer, expert)]; }
    // Initial placement: which expert each slot starts with.
    const std::vector<std::pair<int32_t, int32_t>>& slot_owners() const { return slot_owner_; }

    // Statistics: one call per layer per forward step with the expert of every (token, choice).
    void observe(int64_t layer, std::span<const int32_t> chosen);
    double heat(int64_t layer, int64_t expert) const { return heat_[index(layer, expert)]; }

    // For an expert that is not resident, used by `tokens` rows this step, of `expert_bytes` bytes and
    // `flops_per_token` FLOPs: true when copying it to the GPU is cheaper than computing it on the CPU.
    bool stream_cheaper(int64_t tokens, double expert_bytes, double flops_per_token, const OffloadCosts& c) const;
    static bool stream_cheaper(MissPolicy p, int64_t tokens, double expert_bytes, double flops_per_token, const OffloadCosts& c);

    // Splits one step's misses (tokens[i] rows each) between the CPU and streaming to the GPU, which run at the
    // same time: the costliest first, each to the path whose finishing time it raises least, so both paths end
    // together. true = stream. Forced policies send every miss one way.
    static std::vector<bool> plan_misses(MissPolicy p, std::span<const int64_t> tokens, double expert_bytes,
                                         double flops_per_token, const OffloadCosts& c);

    // After a step on `layer`: the experts it used that are now hotter than the coldest resident expert by the
    // hysteresis margin, each paired with the slot it should take (at most `max_changes`). The caller copies the
    // weights and then calls commit().
    std::vector<ExpertSlotChange> propose(int64_t layer, std::span<const int32_t> used, int64_t max_changes) const;
    void commit(const ExpertSlotChange& change);

private:
    size_t index(int64_t layer, int64_t expert) const { return static_cast<size_t>(layer * experts_ + expert); }
    int64_t coldest_slot(std::span<const int64_t> excluded) const;

    int64_t layers_, experts_;
    bool adapt_;
    double decay_;
    std::vector<double> heat_;            // decayed use count per (layer, expert)
    std::vector<int64_t> slot_of_;        // per (layer, expert)
    std::vector<std::pair<int32_t, int32_t>> slot_owner_;  // per slot: (layer, expert) or (-1, -1)
    std::vector<uint64_t> layer_steps_;
};

}  // namespace fathom::runtime
