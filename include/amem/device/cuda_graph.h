// A CUDA graph: a step's device work recorded once and replayed with one launch
// (train.cuda_graph, train/graphed_training_step.h). PyTorch's torch.cuda.graph
// (torch/cuda/graphs.py) is the same machinery, at::cuda::CUDAGraph.
//
// Recording does not run the work: every kernel, copy and allocation it issues is kept with the
// addresses it used, so that each replay reads and writes the same tensors. The work must not
// wait for the host (no .item(), .cpu(), or shapes read from tensor values) and must read its
// inputs from tensors that are refilled in place before each replay. Its allocations come from a
// memory pool of the graph's own, held until reset().
//
// All work — eager, recorded, replayed — runs on one side stream of the graph (a graph cannot be
// recorded on the default stream, and cuBLAS keeps a workspace per stream, which the eager runs
// set up before the first recording). Each call first waits for the caller's stream and makes
// the caller's stream wait for it, so that code around it needs no stream handling.
//
// Builds whose LibTorch has no CUDA compile a version that cannot record: available() is
// false and record()/replay() throw std::logic_error (callers check available() first).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>

namespace amem::device {

class CudaGraph {
 public:
  // `device`: the CUDA device the work runs on (any other device: nothing can be recorded,
  // run_eagerly() runs `work` as it is).
  explicit CudaGraph(const torch::Device& device);
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  // Whether this build and device can record graphs (CUDA LibTorch, CUDA device).
  bool available() const;
  // Runs `work` now, on the graph's stream when available().
  void run_eagerly(const std::function<void()>& work);
  // Records `work` (which does not run) in place of any earlier recording. Throws what `work` or
  // CUDA throws (e.g. "operation not permitted when stream is capturing" for a host
  // synchronisation), after ending the recording, so that the stream stays usable.
  void record(const std::function<void()>& work);
  // Runs the recorded work once. Needs a recording.
  void replay();
  bool recorded() const;
  // Drops the recording and gives its memory pool back.
  void reset();

  // Whether the calling thread's current CUDA stream is recording a graph; false in builds
  // without CUDA. Code that checks values on the host skips the check while recording.
  static bool recording();

 private:
  struct State;
  std::unique_ptr<State> state_;  // null when !available()
};

}  // namespace amem::device
