// Work that one process does as a sequence of batches (validation's question batches and loss
// batches) split over the ranks of a data-parallel run and gathered back in the one-process
// order. Each batch holds the same rows as in one process, so its result is the one process's,
// and a sum taken over the gathered results in batch order is the one process's to the bit.
//
// Batch b is rank (b mod N)'s: the ranks' batches are disjoint and together are all of them.
// When N does not divide the count, ranks below (count mod N) take one batch more; with fewer
// batches than ranks some ranks have none (they still take part in the gather). Without a
// process group one process does every batch and gather() returns what it is given.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace amem::distributed {

class ProcessGroup;

class BatchShards {
 public:
  // One process, or the ranks of `group` (which must outlive this).
  explicit BatchShards(ProcessGroup* group = nullptr) : group_(group) {}

  int rank() const;
  int size() const;
  bool mine(size_t batch) const { return batch % size_t(size()) == size_t(rank()); }
  // Rank 0 (or the only process) writes what the batches give; the others write nothing.
  bool writes() const { return rank() == 0; }

  // A collective: every rank calls it with the same `batches`. `mine_results` holds one blob per
  // batch of this rank's, in increasing batch order; the answer is every batch's blob, in batch
  // order. amem::Error when a rank died or hung (ProcessGroup); std::logic_error when a rank
  // gave another number of blobs than it has batches.
  std::vector<std::string> gather(size_t batches, const std::vector<std::string>& mine_results,
                                  const std::string& what) const;

 private:
  ProcessGroup* group_;
};

// A batch's results as one blob, and back, exactly: strings of any bytes (model output need not
// be UTF-8) and float64 values (their 8 bytes, no decimal rounding).
std::string pack_strings(const std::vector<std::string>& items);
std::vector<std::string> unpack_strings(const std::string& blob);
std::string pack_values(const std::vector<double>& values);
std::vector<double> unpack_values(const std::string& blob);

}  // namespace amem::distributed
