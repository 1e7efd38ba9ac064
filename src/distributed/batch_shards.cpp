#include "amem/distributed/batch_shards.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "amem/distributed/process_group.h"

namespace amem::distributed {

int BatchShards::rank() const { return group_ ? group_->rank() : 0; }

int BatchShards::size() const { return group_ ? group_->size() : 1; }

std::vector<std::string> BatchShards::gather(size_t batches, const std::vector<std::string>& mine_results,
                                             const std::string& what) const {
  const auto owned = [&](int rank) { return batches / size_t(size()) + (size_t(rank) < batches % size_t(size()) ? 1 : 0); };
  if (mine_results.size() != owned(rank()))
    throw std::logic_error("BatchShards::gather (" + what + "): rank " + std::to_string(rank()) + " gave " +
                           std::to_string(mine_results.size()) + " results for its " + std::to_string(owned(rank())) +
                           " batches");
  if (!group_) return mine_results;
  std::vector<std::vector<std::string>> by_rank;
  for (const auto& blob : group_->all_gather_bytes(pack_strings(mine_results), what)) by_rank.push_back(unpack_strings(blob));
  std::vector<std::string> all;
  for (size_t batch = 0; batch < batches; ++batch) {
    const auto& theirs = by_rank[batch % size_t(size())];
    const size_t index = batch / size_t(size());
    if (index >= theirs.size())
      throw std::logic_error("BatchShards::gather (" + what + "): rank " + std::to_string(batch % size_t(size())) +
                             " gave too few results");
    all.push_back(theirs[index]);
  }
  return all;
}

// Each item as its length (8 bytes, host order: every rank of a run is the same build) then its bytes.
std::string pack_strings(const std::vector<std::string>& items) {
  std::string blob;
  for (const auto& item : items) {
    const uint64_t length = item.size();
    blob.append(reinterpret_cast<const char*>(&length), sizeof length);
    blob += item;
  }
  return blob;
}

std::vector<std::string> unpack_strings(const std::string& blob) {
  std::vector<std::string> items;
  for (size_t at = 0; at < blob.size();) {
    uint64_t length = 0;
    if (blob.size() - at < sizeof length) throw std::logic_error("unpack_strings: a truncated length");
    std::memcpy(&length, blob.data() + at, sizeof length);
    at += sizeof length;
    if (blob.size() - at < length) throw std::logic_error("unpack_strings: a truncated item");
    items.push_back(blob.substr(at, size_t(length)));
    at += size_t(length);
  }
  return items;
}

std::string pack_values(const std::vector<double>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
}

std::vector<double> unpack_values(const std::string& blob) {
  if (blob.size() % sizeof(double) != 0) throw std::logic_error("unpack_values: not a whole number of values");
  std::vector<double> values(blob.size() / sizeof(double));
  std::memcpy(values.data(), blob.data(), blob.size());
  return values;
}

}  // namespace amem::distributed
