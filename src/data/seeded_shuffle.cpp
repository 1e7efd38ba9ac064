#include "amem/data/seeded_shuffle.h"

namespace amem::data {

uint64_t SeededRandom::below(uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;  // (2^64 - bound) % bound, in uint64_t arithmetic
  while (true) {
    const uint64_t x = engine_();
    if (x >= threshold) return x % bound;
  }
}

}  // namespace amem::data
