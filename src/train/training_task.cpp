#include "amem/train/training_task.h"

#include <stdexcept>

#include "amem/core/error.h"

namespace amem::train {

void TrainingTask::shard_data(int /*rank*/, int world_size) {
  throw ConfigError("data-parallel training (" + std::to_string(world_size) +
                    " processes): this training method does not support it yet; run it as one process");
}

Metrics metrics_on_host(const DeviceMetrics& metrics) {
  if (metrics.empty()) return {};
  std::vector<torch::Tensor> values;
  for (const auto& [name, value] : metrics) values.push_back(value.to(torch::kFloat64));
  const auto on_host = torch::stack(values).cpu();
  Metrics out;
  for (size_t i = 0; i < metrics.size(); ++i) out.emplace_back(metrics[i].first, on_host[int64_t(i)].item<double>());
  return out;
}

std::optional<std::string> TrainingTask::cuda_graph_refusal() const {
  return std::string("this training method cannot be recorded yet (mac and cmt can)");
}

TensorBatch TrainingTask::next_tensor_batch() {
  throw std::logic_error("TrainingTask::next_tensor_batch: the task refuses train.cuda_graph");
}

StepOutput TrainingTask::loss_on_tensors(const std::vector<torch::Tensor>&, bool) {
  throw std::logic_error("TrainingTask::loss_on_tensors: the task refuses train.cuda_graph");
}

}  // namespace amem::train
