#include "amem/train/graphed_training_step.h"

#include <algorithm>
#include <stdexcept>

#include "amem/device/autocast.h"
#include "amem/train/bf16_working_weights.h"

namespace amem::train {

namespace {

// What a recording depends on besides values: each micro-batch's tensors' shapes and dtypes,
// and whether the step computes metrics.
std::vector<int64_t> layout_of(const std::vector<TensorBatch>& micro_batches, bool with_metrics) {
  std::vector<int64_t> key = {int64_t(with_metrics), int64_t(micro_batches.size())};
  for (const auto& micro : micro_batches) {
    key.push_back(int64_t(micro.tensors.size()));
    for (const auto& t : micro.tensors) {
      key.push_back(int64_t(t.scalar_type()));
      key.push_back(t.dim());
      key.insert(key.end(), t.sizes().begin(), t.sizes().end());
    }
  }
  return key;
}

// Gradient clipping as LibTorch's clip_grad_norm_: the gradients' global L2 norm, and the
// factor min(1, max_norm / (norm + 1e-6)) they are scaled by (undefined without max_norm), both
// kept on the device.
struct Clipping {
  torch::Tensor norm;
  torch::Tensor coefficient;
};

Clipping clipping_of(const std::vector<torch::Tensor>& grads, std::optional<double> max_norm) {
  const auto norms = at::_foreach_norm(grads, 2);
  Clipping clip{norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2), {}};
  if (max_norm) clip.coefficient = torch::clamp(*max_norm / (clip.norm + 1e-6), c10::nullopt, 1.0);
  return clip;
}

}  // namespace

GraphedTrainingStep::GraphedTrainingStep(torch::optim::AdamW& optimizer, std::optional<double> max_grad_norm,
                                         bool bf16_autocast, bool fused_adamw, const torch::Device& device,
                                         Bf16WorkingWeights* working_weights)
    : optimizer_(optimizer),
      adamw_(optimizer, fused_adamw),
      max_grad_norm_(max_grad_norm),
      bf16_autocast_(bf16_autocast),
      device_(device),
      working_weights_(working_weights),
      graph_(device) {
  const auto options = torch::TensorOptions().device(device);
  loss_sum_ = torch::zeros({}, options.dtype(torch::kFloat64));
  grad_norm_ = torch::zeros({}, options.dtype(torch::kFloat32));
}

void GraphedTrainingStep::run_step(const std::vector<std::vector<torch::Tensor>>& micro_batches, const LossOn& loss_on,
                                   bool with_metrics, std::vector<StepOutput>& outputs) {
  const auto& params = optimizer_.param_groups().front().params();
  {
    torch::NoGradGuard no_grad;
    for (const auto& p : params) {
      if (!p.grad().defined()) continue;
      if (device::CudaGraph::recording())
        // No gradient: backward's first one then becomes it where it was computed, in the
        // graph's pool, and each replay writes it there again (no zeroing, no accumulation:
        // ~2 passes over the gradients saved). It stays the parameter's gradient afterwards.
        p.mutable_grad() = torch::Tensor();
      else
        // In place: eager steps beside a recording use the gradients it writes.
        p.grad().zero_();
    }
    loss_sum_.zero_();
  }
  if (working_weights_) working_weights_->refresh();
  const double count = double(micro_batches.size());
  for (const auto& tensors : micro_batches) {
    StepOutput out;
    {
      const auto substitution = working_weights_ ? working_weights_->substitute() : nullptr;
      {
        device::Bf16Autocast autocast(bf16_autocast_, device_);
        out = loss_on(tensors, with_metrics);
      }
      // Backward outside the autocast scope, as the loop's.
      (out.loss / count).backward();
    }
    if (working_weights_) working_weights_->gather_gradients(&tensors == &micro_batches.front());
    torch::NoGradGuard no_grad;
    loss_sum_.add_(out.loss.detach().to(torch::kFloat64));
    out.loss = torch::Tensor();  // the graph's activations need not outlive it
    outputs.push_back(std::move(out));
  }
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) throw std::logic_error("GraphedTrainingStep: the loss reached no trained tensor");
  const auto clip = clipping_of(grads, max_grad_norm_);
  grad_norm_.copy_(clip.norm);
  if (adamw_.fused()) {
    // The fused kernel divides each gradient by 1 / coefficient as it reads it and stores the
    // quotient back: the gradients end clipped as below, one pass over them fewer (~4 ms of a
    // gpt2-xl MAC step). g / (1 / c) and g * c agree to float32 rounding.
    adamw_.update(clip.coefficient.defined() ? (1 / clip.coefficient).to(torch::kFloat32) : torch::Tensor());
    return;
  }
  if (clip.coefficient.defined())
    for (const auto& g : grads) g.mul_(clip.coefficient);
  adamw_.update();
}

GraphedTrainingStep::Result GraphedTrainingStep::step(const std::vector<TensorBatch>& micro_batches,
                                                      const LossOn& loss_on) {
  if (micro_batches.empty()) throw std::logic_error("GraphedTrainingStep::step: no micro-batch");
  const bool with_metrics =
      std::any_of(micro_batches.begin(), micro_batches.end(), [](const TensorBatch& b) { return b.with_metrics; });
  const auto layout = layout_of(micro_batches, with_metrics);
  adamw_.prepare();
  Result result;
  std::vector<StepOutput> eager_outputs;
  const std::vector<StepOutput>* outputs = &recorded_outputs_;
  if (graph_.recorded() && layout == recorded_layout_) {
    refill_inputs(micro_batches);
    graph_.replay();
    result.mode = Mode::replayed;
  } else if (graph_.available() &&
             (layout == last_layout_ || (!graph_.recorded() && layout == layout_before_last_))) {
    // The second step in a row with this layout (the shapes changed for good: it takes the
    // place of any recording), or, with nothing recorded, the second in two steps (layouts that
    // alternate, as steps with and without metrics at train.metrics_every=2): record it on
    // static copies of its inputs, then replay the recording to take the step.
    recorded_outputs_.clear();  // (record() drops the old recording and its pool)
    inputs_.clear();
    for (const auto& micro : micro_batches) {
      std::vector<torch::Tensor> copies;
      for (const auto& t : micro.tensors) copies.push_back(torch::empty_like(t));
      inputs_.push_back(std::move(copies));
    }
    refill_inputs(micro_batches);
    graph_.record([&] { run_step(inputs_, loss_on, with_metrics, recorded_outputs_); });
    for (const auto& out : recorded_outputs_)
      if (!out.metrics.empty()) throw std::logic_error("GraphedTrainingStep: host metrics while recording");
    recorded_layout_ = layout;
    ++recordings_;
    graph_.replay();
    result.mode = Mode::recorded;
  } else {
    // New shapes (or no graphs here): eagerly, on the graph's stream, which also warms it up
    // (cuBLAS workspaces, AdamW's state, the allocator's blocks) as PyTorch's warm-up does. A
    // recording of other shapes is kept: steps with metrics every few steps come and go.
    std::vector<std::vector<torch::Tensor>> tensors;
    for (const auto& micro : micro_batches) tensors.push_back(micro.tensors);
    graph_.run_eagerly([&] { run_step(tensors, loss_on, with_metrics, eager_outputs); });
    outputs = &eager_outputs;
  }
  layout_before_last_ = std::move(last_layout_);
  last_layout_ = layout;
  adamw_.count_step();

  // Everything the host logs in one device-to-host copy: the loss, the norm, the metrics.
  DeviceMetrics read = {{"", loss_sum_}, {"", grad_norm_}};
  for (const auto& out : *outputs) read.insert(read.end(), out.device_metrics.begin(), out.device_metrics.end());
  const auto values = metrics_on_host(read);
  result.loss_sum = values[0].second;
  result.grad_norm = values[1].second;
  size_t next = 2;
  for (const auto& out : *outputs) {
    Metrics metrics = out.metrics;
    for (size_t i = 0; i < out.device_metrics.size(); ++i) metrics.push_back(values[next++]);
    if (!metrics.empty()) result.metrics.push_back(std::move(metrics));
  }
  return result;
}

void GraphedTrainingStep::refill_inputs(const std::vector<TensorBatch>& micro_batches) {
  torch::NoGradGuard no_grad;
  for (size_t m = 0; m < inputs_.size(); ++m)
    for (size_t t = 0; t < inputs_[m].size(); ++t) inputs_[m][t].copy_(micro_batches[m].tensors[t]);
}

}  // namespace amem::train
