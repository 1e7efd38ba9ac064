#include "amem/distributed/parameter_checksum.h"

#include "amem/core/error.h"

namespace amem::distributed {

void check_same_parameters(ProcessGroup& group, const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> sums;
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor x = tensor.detach().flatten().to(torch::kDouble);
    const torch::Tensor position = torch::arange(1, x.numel() + 1, x.options());
    sums.push_back(torch::stack({x.sum(), (x * x).sum(), (x * position).sum()}));
  }
  const torch::Tensor mine = torch::stack(sums).to(group.device());  // [tensors, 3]
  torch::Tensor rank0 = mine.clone();
  group.broadcast(rank0, 0, "the start-of-training parameter check");
  // The first differing tensor's index, or the count when none differs; the smallest over ranks.
  const torch::Tensor differs = (mine != rank0).any(1).to(torch::kCPU);
  int64_t first = int64_t(tensors.size());
  for (int64_t i = 0; i < differs.size(0); ++i)
    if (differs[i].item<bool>()) {
      first = i;
      break;
    }
  // The smallest differing index over the ranks (MAX of the negatives), then the highest rank
  // with it.
  torch::Tensor index = torch::tensor({-double(first)}, torch::kDouble).to(group.device());
  group.all_reduce(index, "the start-of-training parameter check", /*max=*/true);
  const int64_t smallest = -int64_t(index.item<double>());
  if (smallest == int64_t(tensors.size())) return;
  torch::Tensor rank = torch::tensor({smallest == first ? double(group.rank()) : -1.0}, torch::kDouble).to(group.device());
  group.all_reduce(rank, "the start-of-training parameter check", /*max=*/true);
  throw Error("distributed: the trained tensors differ between ranks at the start (" + tensors[size_t(smallest)].first +
              " on rank " + std::to_string(int64_t(rank.item<double>())) +
              " differs from rank 0's); every rank must start from the same run.seed, config and files");
}

}  // namespace amem::distributed
