// TensorManifest: every tensor a V4 checkpoint must hold for a given config.json (name, allowed dtypes, shape,
// storage kind, routed-expert or dense, bytes). The loader validates against it; fathom-synth writes from it.
#pragma once

#include "model/dtype.hpp"
#include "model/model_config.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fathom {

// What a tensor holds, which decides how it is decoded (and how fathom-synth fills it).
enum class TensorKind {
    Fp8Weight,    // F8_E4M3 [out, in] of an FP8 linear
    Fp8Scale,     // F8_E8M0 [ceil(out/128), ceil(in/128)] block scales of the weight listed just before it
    Fp4Weight,    // I8 [out, in/2] packed e2m1 pairs of a routed expert
    Fp4Scale,     // F8_E8M0 [out, in/32] scales of the weight listed just before it
    Matrix,       // plain bf16/f32 matrix: embed, head, gate, compressor projections, indexer weights_proj, hc_*_fn
    NormWeight,   // RMSNorm gain
    Parameter,    // small f32 tensors: attn_sink, compressor ape, gate bias, hc_*_base, hc_*_scale
    ExpertTable,  // ffn.gate.tid2eid: token id -> experts of a hash block
};

std::string_view tensor_kind_name(TensorKind kind);

struct ManifestEntry {
    std::string name;
    std::vector<DType> dtypes;  // allowed; the first is the one the official release uses
    std::vector<int64_t> shape;
    TensorKind kind = TensorKind::Matrix;
    std::string block;    // "layers.N.", "mtp.N." or "" for top-level tensors
    int64_t expert = -1;  // routed expert index, -1 for dense tensors (shared experts included)

    bool routed_expert() const { return expert >= 0; }
    DType dtype() const { return dtypes.front(); }
    bool allows(DType d) const;
    int64_t numel() const;
    uint64_t nbytes() const;  // with the first allowed dtype
    std::string dtypes_text() const;  // "I64 or I32"
};

class TensorManifest {
public:
    // Derives every name and shape from the config; throws fathom::Error if the config cannot describe a
    // checkpoint (e.g. an FP4 input width that is not a multiple of 32).
    static TensorManifest for_config(const ModelConfig& config);

    // In checkpoint order: embed, each block (hash or score), each MTP block, norm, head, hc_head_*;
    // within a block, an FP8/FP4 weight is followed directly by its scale.
    const std::vector<ManifestEntry>& entries() const { return entries_; }
    const ManifestEntry* find(const std::string& name) const;

    uint64_t total_bytes() const { return routed_expert_bytes_ + dense_bytes_; }
    uint64_t routed_expert_bytes() const { return routed_expert_bytes_; }
    uint64_t dense_bytes() const { return dense_bytes_; }

private:
    void add(ManifestEntry e);

    std::vector<ManifestEntry> entries_;
    std::map<std::string, size_t> index_;
    uint64_t routed_expert_bytes_ = 0;
    uint64_t dense_bytes_ = 0;
};

}  // namespace fathom
