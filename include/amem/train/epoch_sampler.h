// The order a training run visits its examples: epochs of a seeded shuffle, cut into batches.
// Its whole state is (epoch, offset), so a checkpoint stores position() and a resumed run
// continues with exactly the batches the uninterrupted run would have drawn.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace amem::train {

class EpochSampler {
 public:
  // `size` examples (> 0), batches of `batch_size` (> 0); amem::Error otherwise.
  EpochSampler(size_t size, size_t batch_size, uint64_t seed);

  // The next batch of indices. The last batch of an epoch is shorter when batch_size does not
  // divide size; the next epoch starts with a new shuffle.
  std::vector<size_t> next();

  // Data parallelism: rank `rank` of `world_size` processes (each with this sampler, same seed)
  // takes every world_size-th batch of the one-process order, starting at its rank, so the
  // ranks' batches are disjoint and together are the batches one process would draw in the
  // same order. The position stays that of the whole order, the same on every rank.
  void shard(int rank, int world_size);
  int world_size() const { return world_size_; }  // 1 unless shard() said otherwise

  int64_t epoch() const { return epoch_; }
  nlohmann::json position() const;
  // Throws amem::Error when `position` is not one this sampler could have produced.
  void set_position(const nlohmann::json& position);

 private:
  void shuffle_epoch();
  std::vector<size_t> next_of_all();

  size_t size_, batch_size_;
  uint64_t seed_;
  int64_t epoch_ = 0;
  size_t offset_ = 0;
  std::vector<size_t> order_;
  int rank_ = 0, world_size_ = 1;
};

}  // namespace amem::train
