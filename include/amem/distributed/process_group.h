// The processes of one data-parallel run, joined through PyTorch's c10d: rank 0 serves a
// TCPStore at MASTER_ADDR:MASTER_PORT where every rank rendezvouses, then collectives run over
// NCCL when the run is on CUDA, over Gloo on CPU (the backends torch.distributed uses).
//
// Every collective is one line of error when it fails: a rank that died closes its connections
// (Gloo reports it at once), a rank that hangs is given up on after distributed.timeout_s.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "amem/distributed/launch_environment.h"

namespace amem::distributed {

class ProcessGroup {
 public:
  // Rendezvous with the other world_size-1 ranks; tensors given to collectives live on
  // `device` (CPU: Gloo; CUDA: NCCL, on the device LOCAL_RANK selected). Sets
  // NCCL_NVLS_ENABLE=0 first (docs/multi_gpu.md: NVLink multicast needs fabric support the
  // lent machines lack). Errors: amem::Error naming MASTER_ADDR:MASTER_PORT when the
  // rendezvous fails or times out, or when this build has no backend for `device`.
  ProcessGroup(const LaunchEnvironment& env, torch::Device device, std::chrono::milliseconds timeout);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return env_.rank; }
  int size() const { return env_.world_size; }
  torch::Device device() const { return device_; }

  // A collective under way; wait() returns when it is done (or throws amem::Error).
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual void wait() = 0;
  };

  // Starts summing `tensor` (contiguous, on device()) over the ranks, in place. Every rank must
  // start the same collectives in the same order. `what` names it in errors.
  std::unique_ptr<Pending> all_reduce_sum_async(torch::Tensor tensor, const std::string& what);
  // The same, waited for; `max` takes the largest value instead of the sum.
  void all_reduce(torch::Tensor tensor, const std::string& what, bool max = false);
  // Replaces `tensor` by rank `root`'s.
  void broadcast(torch::Tensor tensor, int root, const std::string& what);
  // Every rank's `tensor` (same shape everywhere), stacked along a new first dimension.
  torch::Tensor all_gather(const torch::Tensor& tensor, const std::string& what);
  // Every rank's `bytes` (any length, any content), in rank order: the lengths are gathered
  // first, then the bytes padded to the longest.
  std::vector<std::string> all_gather_bytes(const std::string& bytes, const std::string& what);

 private:
  struct Backend;
  [[noreturn]] void fail(const std::string& what, const std::exception& error) const;

  LaunchEnvironment env_;
  torch::Device device_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Backend> backend_;
};

}  // namespace amem::distributed
