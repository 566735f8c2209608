// Bytes a single decode step must read from memory (every weight each token uses, plus the active experts):
// the numerator of every decode floor the benchmarks print.
#pragma once

#include <cstdint>

namespace fathom::runtime {
class Model;
}

namespace fathom::bench {

uint64_t decode_step_bytes(const runtime::Model& model);

}  // namespace fathom::bench
