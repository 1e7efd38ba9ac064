// train.cuda_graph: the training loop's optimiser step — gradients zeroed, each micro-batch's
// loss and backward, global-norm clipping, AdamW — recorded once as a CUDA graph
// (device/cuda_graph.h) and replayed while the micro-batches keep their shapes. An eager MAC
// step is ~28k kernel launches issued one by one from the host, which leaves the GPU idle half
// the time (issue 16's profile); a replay is one launch.
//
// A step runs eagerly — on the graph's stream, with the same arithmetic — when its layout (the
// tensors' shapes, and whether it computes metrics) has no recording. A layout is recorded on
// its second step in a row (in place of any recording: the shapes changed), or, while nothing is
// recorded, on its second step in two (layouts that alternate); later steps with the recorded
// layout replay it, whatever ran between. So with train.metrics_every=1 the metric forwards are
// recorded too (their values stay on the device until the step ends: TrainingTask::
// loss_on_tensors' device_metrics), and with metrics every N > 1 steps the steps without
// metrics are recorded and the steps with them run eagerly beside the recording. On a device
// that cannot record (CPU) every step runs eagerly. Replays read the micro-batches from tensors
// refilled in place. The recorded step starts without gradients, so backward's first one is
// kept where it was computed, in the graph's pool (no zeroing pass, no accumulation pass), and
// every replay writes it there again; eager steps zero those same tensors in place.
//
// Numerics against the loop's eager step: clipping is LibTorch's clip_grad_norm_ with the
// coefficient applied on the device (the norm from _foreach_norm, as train.foreach_optimizer);
// under train.fused_optimizer the fused kernel applies it as it reads the gradients (its
// grad_scale), one pass over them fewer, equal to float32 rounding. AdamW is CapturableAdamW
// (LibTorch's arithmetic from device scalars). Memory: a recording keeps
// a pool as large as one step's activations, and an eager step after it needs that much again.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <optional>
#include <vector>

#include "amem/device/cuda_graph.h"
#include "amem/train/capturable_adamw.h"
#include "amem/train/training_task.h"

namespace amem::train {

class Bf16WorkingWeights;  // bf16_working_weights.h

class GraphedTrainingStep {
 public:
  // The loss of one micro-batch's tensors (TrainingTask::loss_on_tensors).
  using LossOn = std::function<StepOutput(const std::vector<torch::Tensor>& tensors, bool with_metrics)>;
  enum class Mode { eager, recorded, replayed };
  struct Result {
    double loss_sum = 0;           // the micro-batches' losses, summed
    double grad_norm = 0;          // the global L2 norm before clipping
    std::vector<Metrics> metrics;  // each micro-batch's metrics, when the step computes them
    Mode mode = Mode::eager;       // recorded: recorded, then replayed once
  };

  // `optimizer`: AdamW over the trained tensors (one group; its state is kept and stepped,
  // CapturableAdamW). `max_grad_norm`: clip to it; none: no clipping (the norm is still
  // reported). `bf16_autocast`: each loss under bfloat16 autocast on CUDA, as the loop's.
  // `fused_adamw`: AdamW's update as at::_fused_adamw_ (train.fused_optimizer, CapturableAdamW).
  // `working_weights`: the step refreshes, substitutes and gathers them as the loop's eager
  // step does (train.bf16_working_weights); must outlive this.
  GraphedTrainingStep(torch::optim::AdamW& optimizer, std::optional<double> max_grad_norm, bool bf16_autocast,
                      bool fused_adamw, const torch::Device& device, Bf16WorkingWeights* working_weights = nullptr);

  // One optimiser step over `micro_batches` (grad_accum of them, each loss divided by their
  // count before backward). The optimiser's group learning rate applies (set it first).
  Result step(const std::vector<TensorBatch>& micro_batches, const LossOn& loss_on);

  // Whether steps can be recorded here (a CUDA device and a CUDA build); else all run eagerly.
  bool can_record() const { return graph_.available(); }
  // How many times a step was recorded (once per run of steps with the same shapes).
  int64_t recordings() const { return recordings_; }

 private:
  // The step's device work on `micro_batches`; each micro-batch's output (its loss dropped,
  // its metrics kept) goes to `outputs`.
  void run_step(const std::vector<std::vector<torch::Tensor>>& micro_batches, const LossOn& loss_on, bool with_metrics,
                std::vector<StepOutput>& outputs);
  void refill_inputs(const std::vector<TensorBatch>& micro_batches);

  torch::optim::AdamW& optimizer_;
  CapturableAdamW adamw_;
  std::optional<double> max_grad_norm_;
  bool bf16_autocast_;
  torch::Device device_;
  Bf16WorkingWeights* working_weights_;
  device::CudaGraph graph_;
  std::vector<int64_t> recorded_layout_;                    // of the recording
  std::vector<int64_t> last_layout_, layout_before_last_;  // of the previous two steps
  std::vector<std::vector<torch::Tensor>> inputs_;        // the recording's inputs, refilled in place
  std::vector<StepOutput> recorded_outputs_;              // its metric tensors, rewritten by each replay
  torch::Tensor loss_sum_, grad_norm_;                    // written by every step, read after it
  int64_t recordings_ = 0;
};

}  // namespace amem::train
