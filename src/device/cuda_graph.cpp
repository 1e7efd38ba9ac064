#include "amem/device/cuda_graph.h"

#include <optional>
#include <stdexcept>

// CMake defines AMEM_WITH_CUDA_GRAPHS for this file alone when LibTorch was built with CUDA.
#ifdef AMEM_WITH_CUDA_GRAPHS
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGraphsC10Utils.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace amem::device {

#ifdef AMEM_WITH_CUDA_GRAPHS

struct CudaGraph::State {
  explicit State(c10::DeviceIndex index) : index(index), stream(c10::cuda::getStreamFromPool(false, index)) {}
  c10::DeviceIndex index;
  c10::cuda::CUDAStream stream;
  std::optional<at::cuda::CUDAGraph> graph;  // engaged while recorded

  // Runs `work` on the side stream, ordered after the caller's stream's work and before its next.
  void on_side_stream(const std::function<void()>& work) {
    const c10::cuda::CUDAGuard device_guard(index);
    const auto caller = c10::cuda::getCurrentCUDAStream(index);
    at::cuda::CUDAEvent ready;
    ready.record(caller);
    ready.block(stream);
    {
      const c10::cuda::CUDAStreamGuard stream_guard(stream);
      work();
    }
    at::cuda::CUDAEvent done;
    done.record(stream);
    done.block(caller);
  }
};

CudaGraph::CudaGraph(const torch::Device& device) {
  if (device.is_cuda()) state_ = std::make_unique<State>(device.has_index() ? device.index() : c10::DeviceIndex(0));
}

bool CudaGraph::recording() {
  return c10::cuda::currentStreamCaptureStatusMayInitCtx() != c10::cuda::CaptureStatus::None;
}

void CudaGraph::record(const std::function<void()>& work) {
  if (!state_) throw std::logic_error("CudaGraph::record: not available on this device or build");
  reset();
  // The eager runs' cached blocks go back to the device before the graph takes its own pool,
  // so that the peak holds one step's activations, not two.
  c10::cuda::CUDACachingAllocator::emptyCache();
  state_->on_side_stream([&] {
    auto& graph = state_->graph.emplace();
    graph.capture_begin();
    try {
      work();
    } catch (...) {
      // End the recording whatever happened, or the stream refuses all later work.
      try {
        graph.capture_end();
      } catch (...) {
      }
      state_->graph.reset();
      throw;
    }
    graph.capture_end();
  });
}

void CudaGraph::replay() {
  if (!recorded()) throw std::logic_error("CudaGraph::replay: nothing recorded");
  state_->on_side_stream([&] { state_->graph->replay(); });
}

bool CudaGraph::recorded() const { return state_ && state_->graph.has_value(); }

void CudaGraph::reset() {
  if (state_) state_->graph.reset();
}

void CudaGraph::run_eagerly(const std::function<void()>& work) {
  if (state_)
    state_->on_side_stream(work);
  else
    work();
}

#else  // a LibTorch without CUDA: nothing to record

struct CudaGraph::State {};

CudaGraph::CudaGraph(const torch::Device&) {}

bool CudaGraph::recording() { return false; }

void CudaGraph::record(const std::function<void()>&) {
  throw std::logic_error("CudaGraph::record: this build's LibTorch has no CUDA");
}

void CudaGraph::replay() { throw std::logic_error("CudaGraph::replay: this build's LibTorch has no CUDA"); }

bool CudaGraph::recorded() const { return false; }

void CudaGraph::reset() {}

void CudaGraph::run_eagerly(const std::function<void()>& work) { work(); }

#endif

CudaGraph::~CudaGraph() = default;

bool CudaGraph::available() const { return state_ != nullptr; }

}  // namespace amem::device
