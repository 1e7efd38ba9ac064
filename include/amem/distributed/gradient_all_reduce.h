// Averages the gradients of a data-parallel step over the ranks, in buckets all-reduced while
// backward is still running (what DistributedDataParallel does).
//
// Why not c10d's own Reducer: it is an internal class made for the Python wrapper, and its
// constructor changed across the versions amem builds against (1.13 takes per-bucket size limits;
// 2.x dropped them and added use_python_reducer, skip_all_reduce_unused_params and more), so
// the same buckets are driven here from autograd hooks, identically on both.
//
// Each trained tensor gets a gradient hook. During the step's last backward (set_sync(true)) the
// hook adds the incoming gradient to what earlier micro-batches accumulated, copies the sum into
// its slot of a flat bucket, and once every slot of the next bucket (in a fixed order, the same
// on every rank) is filled, starts its all-reduce. Earlier micro-batches accumulate locally with
// no communication. finish() fills the slots of tensors that got no gradient, waits, and writes
// the averaged bucket back as each tensor's .grad.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "amem/distributed/process_group.h"

namespace amem::distributed {

class GradientAllReduce {
 public:
  // `parameters` (dense, on group.device()) are bucketed in reverse order, as their gradients
  // tend to arrive, about `bucket_bytes` per bucket and one dtype per bucket.
  GradientAllReduce(std::vector<torch::Tensor> parameters, ProcessGroup& group, int64_t bucket_bytes);
  ~GradientAllReduce();  // removes the hooks
  GradientAllReduce(const GradientAllReduce&) = delete;
  GradientAllReduce& operator=(const GradientAllReduce&) = delete;

  // Whether the next backward is the step's last (its gradients are all-reduced).
  void set_sync(bool sync) { sync_ = sync; }
  // After the step's last backward: every .grad is the mean over ranks of the step's gradient.
  // amem::Error when a rank died or hung (ProcessGroup).
  void finish();

  int64_t buckets() const { return int64_t(buckets_.size()); }

 private:
  struct Slot {
    size_t bucket;
    int64_t offset, numel;
    bool filled = false;
    unsigned hook = 0;
  };
  struct Bucket {
    torch::Tensor flat;
    size_t slots = 0, filled = 0;
    std::unique_ptr<ProcessGroup::Pending> pending;
  };
  void on_gradient(size_t index, const torch::Tensor& gradient);
  torch::Tensor view_of(size_t index);
  void start_ready_buckets();

  std::vector<torch::Tensor> parameters_;
  ProcessGroup& group_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  size_t next_bucket_ = 0;  // buckets before it have been started, in order
  bool sync_ = false;
};

}  // namespace amem::distributed
