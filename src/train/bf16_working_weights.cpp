#include "amem/train/bf16_working_weights.h"

#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "amem/layers/token_mlp_bank.h"
#include "amem/models/gpt2.h"

// at::_foreach_copy_ (one multi-tensor kernel, casting) arrived in LibTorch 2.1.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define AMEM_HAS_FOREACH_COPY 1
#endif

namespace amem::train {

namespace {

// The parameter members of `m` that bf16 autocast casts in its forward: the operands of
// at::linear, addmm and baddbmm (autocast's lower-precision list) — but a Linear's bias, which
// at::linear adds after the product on some backends (CPU autocast: into the product's
// bfloat16 output, uncast), so that a bfloat16 copy would round it where autocast does not.
std::vector<std::string> autocast_cast_members(torch::nn::Module& m) {
  if (dynamic_cast<torch::nn::LinearImpl*>(&m)) return {"weight"};
  if (dynamic_cast<models::Gpt2Conv1DImpl*>(&m)) return {"weight", "bias"};
  if (dynamic_cast<layers::TokenMlpBankImpl*>(&m))
    return {"hidden_weight", "hidden_bias", "output_weight", "output_bias", "skip_weight", "skip_bias"};
  return {};
}

void copy_all(const std::vector<torch::Tensor>& to, const std::vector<torch::Tensor>& from) {
  if (to.empty()) return;  // (at::_foreach_copy_ refuses empty lists)
#ifdef AMEM_HAS_FOREACH_COPY
  at::_foreach_copy_(to, from);
#else
  for (size_t i = 0; i < to.size(); ++i) to[i].copy_(from[i]);
#endif
}

}  // namespace

Bf16WorkingWeights::Bf16WorkingWeights(torch::nn::Module& module, const std::vector<torch::Tensor>& trained)
    : module_(module) {
  std::unordered_set<const void*> trained_set;
  for (const auto& t : trained) trained_set.insert(t.unsafeGetTensorImpl());
  // Every module with its qualified name (named_modules with include_self needs a shared_ptr).
  std::vector<std::pair<std::string, torch::nn::Module*>> modules = {{"", &module}};
  for (const auto& item : module.named_modules("", /*include_self=*/false))
    modules.emplace_back(item.key(), item.value().get());
  // How many module members hold each tensor: a tied one (read elsewhere too, maybe outside
  // autocast's casts) keeps float32.
  std::unordered_map<const void*, int> holders;
  for (const auto& [prefix, m] : modules)
    for (const auto& p : m->named_parameters(/*recurse=*/false)) ++holders[p.value().unsafeGetTensorImpl()];
  torch::NoGradGuard no_grad;
  for (const auto& [prefix, m] : modules) {
    const auto own = m->named_parameters(/*recurse=*/false);
    for (const auto& leaf : autocast_cast_members(*m)) {
      const auto* found = own.find(leaf);
      if (!found || !found->defined()) continue;
      const auto& w = *found;
      const void* impl = w.unsafeGetTensorImpl();
      if (!trained_set.count(impl) || holders[impl] != 1 || w.scalar_type() != torch::kFloat32 || !w.requires_grad())
        continue;
      names_.push_back(prefix.empty() ? leaf : prefix + "." + leaf);
      masters_.push_back(w);
      copies_.push_back(torch::empty_like(w, w.options().dtype(torch::kBFloat16), at::MemoryFormat::Contiguous)
                            .requires_grad_(true));
      numel_ += w.numel();
    }
  }
}

void Bf16WorkingWeights::refresh() {
  torch::NoGradGuard no_grad;
  copy_all(copies_, masters_);
}

std::unique_ptr<models::ParameterSubstitution> Bf16WorkingWeights::substitute() {
  std::map<std::string, torch::Tensor> replacements;
  for (size_t i = 0; i < names_.size(); ++i) replacements.emplace(names_[i], copies_[i]);
  return std::make_unique<models::ParameterSubstitution>(module_, replacements);
}

void Bf16WorkingWeights::gather_gradients(bool first_micro_batch) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> to, from;
  for (size_t i = 0; i < copies_.size(); ++i) {
    auto& grad = copies_[i].mutable_grad();
    if (!grad.defined()) continue;  // not used by this micro-batch
    auto& master = masters_[i];
    if (first_micro_batch || !master.grad().defined()) {
      if (!master.grad().defined()) master.mutable_grad() = torch::empty_like(master, at::MemoryFormat::Contiguous);
      to.push_back(master.grad());
      from.push_back(grad);
    } else {
      master.mutable_grad().add_(grad);  // float32 += bfloat16, as AccumulateGrad adds the cast
    }
  }
  copy_all(to, from);
  for (auto& copy : copies_) copy.mutable_grad() = torch::Tensor();
}

}  // namespace amem::train
