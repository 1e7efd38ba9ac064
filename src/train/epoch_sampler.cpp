#include "amem/train/epoch_sampler.h"

#include <numeric>
#include <stdexcept>
#include <string>

#include "amem/core/error.h"
#include "amem/data/seeded_shuffle.h"

namespace amem::train {

EpochSampler::EpochSampler(size_t size, size_t batch_size, uint64_t seed)
    : size_(size), batch_size_(batch_size), seed_(seed) {
  if (size == 0) throw Error("training data: no examples to train on");
  if (batch_size == 0) throw Error("train.batch_size: expected at least 1");
  shuffle_epoch();
}

void EpochSampler::shuffle_epoch() {
  order_.resize(size_);
  std::iota(order_.begin(), order_.end(), size_t{0});
  // Each epoch's order depends on (seed, epoch) alone, so a resumed run rebuilds it.
  data::SeededRandom random(seed_ * 1000003ULL + static_cast<uint64_t>(epoch_));
  data::seeded_shuffle(order_, random);
}

std::vector<size_t> EpochSampler::next() {
  std::vector<size_t> mine;
  for (int r = 0; r < world_size_; ++r) {
    auto batch = next_of_all();
    if (r == rank_) mine = std::move(batch);
  }
  return mine;
}

void EpochSampler::shard(int rank, int world_size) {
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw std::logic_error("EpochSampler::shard: rank " + std::to_string(rank) + " of " + std::to_string(world_size));
  rank_ = rank;
  world_size_ = world_size;
}

std::vector<size_t> EpochSampler::next_of_all() {
  if (offset_ >= size_) {
    ++epoch_;
    offset_ = 0;
    shuffle_epoch();
  }
  const size_t end = std::min(size_, offset_ + batch_size_);
  std::vector<size_t> batch(order_.begin() + static_cast<std::ptrdiff_t>(offset_),
                            order_.begin() + static_cast<std::ptrdiff_t>(end));
  offset_ = end;
  return batch;
}

nlohmann::json EpochSampler::position() const { return {{"epoch", epoch_}, {"offset", offset_}}; }

void EpochSampler::set_position(const nlohmann::json& position) {
  if (!position.is_object() || !position.contains("epoch") || !position.contains("offset") ||
      !position["epoch"].is_number_integer() || !position["offset"].is_number_unsigned() ||
      position["epoch"].get<int64_t>() < 0 || position["offset"].get<size_t>() > size_)
    throw Error("data position " + position.dump() + ": expected {\"epoch\": E >= 0, \"offset\": 0.." +
                std::to_string(size_) + "} (was the checkpoint made with other training data?)");
  epoch_ = position["epoch"].get<int64_t>();
  offset_ = position["offset"].get<size_t>();
  shuffle_epoch();
}

}  // namespace amem::train
