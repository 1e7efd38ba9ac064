#include "amem/methods/fine_tuning_optimizer.h"

#include "amem/core/error.h"

namespace amem::methods {

std::vector<std::pair<std::string, torch::Tensor>> trainable_parameters(torch::nn::Module& model) {
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (const auto& p : model.named_parameters())
    if (p.value().requires_grad()) named.emplace_back(p.key(), p.value());
  return named;
}

std::unique_ptr<torch::optim::Optimizer> make_fine_tuning_optimizer(torch::nn::Module& model, const std::string& kind,
                                                                    double lr) {
  std::vector<torch::Tensor> trainable;
  for (const auto& named : trainable_parameters(model)) trainable.push_back(named.second);
  if (trainable.empty()) throw Error("fine-tuning: the model has no trainable parameters (load it trainable)");
  if (kind == "sgd") return std::make_unique<torch::optim::SGD>(trainable, torch::optim::SGDOptions(lr));
  return std::make_unique<torch::optim::Adam>(trainable, torch::optim::AdamOptions(lr));
}

}  // namespace amem::methods
