// Bytes a single decode step must read from memory (every weight each token uses, plus the active experts), and
// the FLOPs a prefill does: the numerators of the decode and prefill floors the benchmarks print.
#pragma once

#include <cstdint>

namespace fathom::runtime {
class Model;
}

namespace fathom::bench {

uint64_t decode_step_bytes(const runtime::Model& model);

// Multiply-add FLOPs (2 per multiply) of prefilling positions [begin, end): every matmul a token runs (dense
// weights, k routed and the shared experts; the head only for the last token), the attention over the rows each
// position sees (window, CSA top-k, HCA rows) and the CSA indexer's scores.
double prefill_flops(const runtime::Model& model, int64_t begin, int64_t end);

}  // namespace fathom::bench
