#include "amem/layers/activation_checkpoint.h"

#include <ATen/autocast_mode.h>

#include <mutex>
#include <optional>

#include "amem/device/autocast.h"

namespace amem::layers {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

torch::Tensor state_of(at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_state(at::Generator generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

// The generators a forward on `device` may draw from: the CPU one, and the device's own when it
// is a CUDA device (through the ATen context, so the CPU build needs no CUDA headers).
struct GeneratorStates {
  torch::Tensor cpu, cuda;
  std::optional<torch::Device> cuda_device;

  static GeneratorStates capture(std::optional<torch::Device> cuda_device) {
    GeneratorStates out;
    out.cpu = state_of(at::globalContext().defaultGenerator(torch::kCPU));
    out.cuda_device = cuda_device;
    if (cuda_device) out.cuda = state_of(at::globalContext().defaultGenerator(*cuda_device));
    return out;
  }
  void restore() const {
    set_state(at::globalContext().defaultGenerator(torch::kCPU), cpu);
    if (cuda_device) set_state(at::globalContext().defaultGenerator(*cuda_device), cuda);
  }
};

// Sets the generators to the forward's for the recomputation; puts back those of the moment after.
class ReplayedGenerators {
 public:
  explicit ReplayedGenerators(const GeneratorStates& forward) : now_(GeneratorStates::capture(forward.cuda_device)) {
    forward.restore();
  }
  ~ReplayedGenerators() { now_.restore(); }
  ReplayedGenerators(const ReplayedGenerators&) = delete;
  ReplayedGenerators& operator=(const ReplayedGenerators&) = delete;

 private:
  GeneratorStates now_;
};

// Autocast's weight-cast cache off for a scope (see the header).
class NoAutocastCache {
 public:
  NoAutocastCache() : was_(at::autocast::is_autocast_cache_enabled()) { at::autocast::set_autocast_cache_enabled(false); }
  ~NoAutocastCache() { at::autocast::set_autocast_cache_enabled(was_); }
  NoAutocastCache(const NoAutocastCache&) = delete;
  NoAutocastCache& operator=(const NoAutocastCache&) = delete;

 private:
  bool was_;
};

// What the backward needs besides the saved tensors, carried in the context as a capsule.
struct Recomputation : torch::CustomClassHolder {
  CheckpointedFunction function;
  GeneratorStates generators;
  device::CudaAutocastState autocast;
  size_t inputs = 0;  // the saved tensors are the inputs, then the parameters
};

class Checkpointed : public torch::autograd::Function<Checkpointed> {
 public:
  // Gradients are returned for [recomputation (none), inputs..., parameters...].
  static variable_list forward(AutogradContext* ctx, c10::intrusive_ptr<Recomputation> recomputation,
                               at::TensorList inputs, at::TensorList parameters) {
    std::optional<torch::Device> cuda_device;
    if (!inputs.empty() && inputs[0].is_cuda()) cuda_device = inputs[0].device();
    recomputation->generators = GeneratorStates::capture(cuda_device);
    recomputation->autocast = device::CudaAutocastState::current();
    recomputation->inputs = inputs.size();
    torch::Tensor out;
    {
      NoAutocastCache no_cache;
      out = recomputation->function(inputs.vec());  // Function::apply runs this with gradients off
    }
    std::vector<torch::Tensor> saved = inputs.vec();
    saved.insert(saved.end(), parameters.begin(), parameters.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["recomputation"] = c10::IValue::make_capsule(recomputation);
    return {out};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto recomputation =
        c10::static_intrusive_pointer_cast<Recomputation>(ctx->saved_data["recomputation"].toCapsule());
    const variable_list saved = ctx->get_saved_variables();
    const size_t n = recomputation->inputs;
    std::vector<torch::Tensor> inputs;
    for (size_t i = 0; i < n; ++i) inputs.push_back(saved[i].detach().requires_grad_(saved[i].requires_grad()));
    torch::Tensor out;
    {
      ReplayedGenerators replay(recomputation->generators);
      torch::AutoGradMode with_gradients(true);
      device::CudaAutocastScope autocast(recomputation->autocast);
      NoAutocastCache no_cache;
      out = recomputation->function(inputs);
    }
    // Differentiate with respect to what requires gradients; the rest get none.
    std::vector<torch::Tensor> wrt;
    std::vector<size_t> slot;  // of each in the returned list
    for (size_t i = 0; i < saved.size(); ++i) {
      const auto& t = i < n ? inputs[i] : saved[i];
      if (!t.requires_grad()) continue;
      wrt.push_back(t);
      slot.push_back(1 + i);
    }
    variable_list grads(1 + saved.size());
    if (wrt.empty() || !out.requires_grad()) return grads;
    const auto computed = torch::autograd::grad({out}, wrt, {grad_outputs[0]}, /*retain_graph=*/false,
                                                /*create_graph=*/false, /*allow_unused=*/true);
    for (size_t k = 0; k < wrt.size(); ++k) grads[slot[k]] = computed[k];
    return grads;
  }
};

}  // namespace

torch::Tensor checkpoint(const CheckpointedFunction& function, const std::vector<torch::Tensor>& inputs,
                         const std::vector<torch::Tensor>& parameters) {
  if (!torch::GradMode::is_enabled()) return function(inputs);
  auto recomputation = c10::make_intrusive<Recomputation>();
  recomputation->function = function;
  return Checkpointed::apply(recomputation, at::TensorList(inputs), at::TensorList(parameters))[0];
}

}  // namespace amem::layers
