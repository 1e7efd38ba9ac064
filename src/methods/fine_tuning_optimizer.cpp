#include "amem/methods/fine_tuning_optimizer.h"

#include "amem/core/error.h"

namespace amem::methods {

std::unique_ptr<torch::optim::Optimizer> make_fine_tuning_optimizer(torch::nn::Module& model, const std::string& kind,
                                                                    double lr) {
  std::vector<torch::Tensor> trainable;
  for (const auto& p : model.parameters())
    if (p.requires_grad()) trainable.push_back(p);
  if (trainable.empty()) throw Error("fine-tuning: the model has no trainable parameters (load it trainable)");
  if (kind == "sgd") return std::make_unique<torch::optim::SGD>(trainable, torch::optim::SGDOptions(lr));
  return std::make_unique<torch::optim::Adam>(trainable, torch::optim::AdamOptions(lr));
}

}  // namespace amem::methods
