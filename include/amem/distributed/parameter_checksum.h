// The check that every rank of a data-parallel run starts from the same trained tensors (same
// seed, same files): a mismatch would make the ranks train different models that the averaged
// gradients then mix silently.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "amem/distributed/process_group.h"

namespace amem::distributed {

// Per tensor, in float64: the sum, the sum of squares and the sum weighted by position (so that
// a permutation shows); rank 0's are broadcast and compared exactly on every rank. A collective:
// every rank calls it with the same names and shapes. amem::Error on every rank when any
// differs, naming the first differing tensor and rank.
void check_same_parameters(ProcessGroup& group, const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

}  // namespace amem::distributed
