// ModelFingerprint: identifies a checkpoint for cached session state: a hash of config.json, the tensor table
// (name, dtype, shape, size) and 256 sampled bytes of every tensor (the whole weights would take minutes to hash).
#pragma once

#include "model/checkpoint.hpp"

#include <cstdint>
#include <string>

namespace fathom {

struct ModelFingerprint {
    uint64_t a = 0, b = 0;
    bool operator==(const ModelFingerprint&) const = default;
    std::string hex() const;
};

ModelFingerprint fingerprint_checkpoint(const Checkpoint& checkpoint);

}  // namespace fathom
