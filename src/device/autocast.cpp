#include "amem/device/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace amem::device {

// LibTorch 2.x names the device in every autocast call; 1.x had one CUDA ("gpu") switch.
#if TORCH_VERSION_MAJOR >= 2
namespace {
bool enabled() { return at::autocast::is_autocast_enabled(at::kCUDA); }
void set_enabled(bool on) { at::autocast::set_autocast_enabled(at::kCUDA, on); }
at::ScalarType dtype() { return at::autocast::get_autocast_dtype(at::kCUDA); }
void set_dtype(at::ScalarType t) { at::autocast::set_autocast_dtype(at::kCUDA, t); }
}  // namespace
#else
namespace {
bool enabled() { return at::autocast::is_enabled(); }
void set_enabled(bool on) { at::autocast::set_enabled(on); }
at::ScalarType dtype() { return at::autocast::get_autocast_gpu_dtype(); }
void set_dtype(at::ScalarType t) { at::autocast::set_autocast_gpu_dtype(t); }
}  // namespace
#endif

Bf16Autocast::Bf16Autocast(bool enabled_flag, const torch::Device& device)
    : active_(enabled_flag && device.is_cuda()) {
  if (!active_) return;
  was_enabled_ = enabled();
  previous_dtype_ = dtype();
  set_dtype(at::kBFloat16);
  set_enabled(true);
  at::autocast::increment_nesting();
}

Bf16Autocast::~Bf16Autocast() {
  if (!active_) return;
  // Leaving the outermost autocast scope drops the casts it cached (Python's autocast does too).
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_enabled(was_enabled_);
  set_dtype(previous_dtype_);
}

}  // namespace amem::device
