// Shuffling that gives the same order for the same seed on every compiler and platform, so
// that a stream named by its seed is the same stream everywhere. std::shuffle and
// std::uniform_int_distribution are implementation-defined; std::mt19937_64's output is not
// (the standard fixes its 10000th value), so everything here is built on it alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace amem::data {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}

  // A uniform integer in [0, bound), bound > 0: draws from the engine, rejecting the few
  // values at the bottom of its range that would make `x % bound` favour small results
  // (the (2^64 - bound) % bound lowest values).
  uint64_t below(uint64_t bound);

 private:
  std::mt19937_64 engine_;
};

// Fisher-Yates: for i = n-1 down to 1, swap element i with element random.below(i + 1).
template <typename T>
void seeded_shuffle(std::vector<T>& items, SeededRandom& random) {
  for (std::size_t i = items.size(); i > 1; --i) {
    std::swap(items[i - 1], items[random.below(i)]);
  }
}

}  // namespace amem::data
