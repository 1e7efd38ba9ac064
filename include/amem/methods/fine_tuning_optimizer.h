// The optimiser of the fine-tuning baselines (adapt.optimizer) over a model's trainable
// parameters, shared by the stream's document steps and the QA light-tune.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace amem::methods {

// The parameters a fine-tuning step updates (those that require a gradient), by name: what the
// optimiser steps and what each step's finiteness guard (train/finite_step.h) checks.
std::vector<std::pair<std::string, torch::Tensor>> trainable_parameters(torch::nn::Module& model);

// `kind` is "sgd" or "adam" (AdaptSettings::optimizer). Throws amem::Error when the model has
// no trainable parameter (it was loaded frozen).
std::unique_ptr<torch::optim::Optimizer> make_fine_tuning_optimizer(torch::nn::Module& model, const std::string& kind,
                                                                    double lr);

}  // namespace amem::methods
