#include "amem/device/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace amem::device {

// LibTorch 2.x names the device in every autocast call; 1.x had one CUDA ("gpu") switch.
#if TORCH_VERSION_MAJOR >= 2
namespace {
bool autocast_enabled() { return at::autocast::is_autocast_enabled(at::kCUDA); }
void set_enabled(bool on) { at::autocast::set_autocast_enabled(at::kCUDA, on); }
at::ScalarType autocast_dtype() { return at::autocast::get_autocast_dtype(at::kCUDA); }
void set_dtype(at::ScalarType t) { at::autocast::set_autocast_dtype(at::kCUDA, t); }
}  // namespace
#else
namespace {
bool autocast_enabled() { return at::autocast::is_enabled(); }
void set_enabled(bool on) { at::autocast::set_enabled(on); }
at::ScalarType autocast_dtype() { return at::autocast::get_autocast_gpu_dtype(); }
void set_dtype(at::ScalarType t) { at::autocast::set_autocast_gpu_dtype(t); }
}  // namespace
#endif

CudaAutocastState CudaAutocastState::current() { return {autocast_enabled(), autocast_dtype()}; }

CudaAutocastScope::CudaAutocastScope(const CudaAutocastState& state) : previous_(CudaAutocastState::current()) {
  set_dtype(state.dtype);
  set_enabled(state.enabled);
  at::autocast::increment_nesting();
}

CudaAutocastScope::~CudaAutocastScope() {
  // Leaving the outermost autocast scope drops the casts it cached (Python's autocast does too).
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_enabled(previous_.enabled);
  set_dtype(previous_.dtype);
}

Bf16Autocast::Bf16Autocast(bool enabled_flag, const torch::Device& device) {
  if (enabled_flag && device.is_cuda()) scope_.emplace(CudaAutocastState{true, at::kBFloat16});
}

}  // namespace amem::device
