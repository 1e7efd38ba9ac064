#include "amem/methods/camels/weight_model.h"

#include <optional>

#include "amem/core/error.h"
#include "amem/io/atomic_file.h"
#include "amem/io/json_file.h"
#include "amem/io/safetensors.h"

namespace amem::methods::camels {

namespace {

constexpr int64_t kHeadWidth = 128;
constexpr double kSoftplusBeta = 3.0;

}  // namespace

WeightModelImpl::WeightModelImpl(std::shared_ptr<models::CausalLm> body, std::string body_dir,
                                 const WeightModelOptions& options)
    : body_(std::move(body)), body_dir_(std::move(body_dir)), options_(options) {
  register_module("body", body_);
  const auto device = body_->parameters().front().device();
  fc1 = register_module("fc1", torch::nn::Linear(body_->shape().hidden_size, kHeadWidth));
  fc2 = register_module("fc2", torch::nn::Linear(kHeadWidth, 1));
  torch::NoGradGuard no_grad;
  fc2->weight.zero_();
  fc2->bias.zero_();
  fc1->to(device);
  fc2->to(device);
  for (auto& p : body_->parameters()) p.set_requires_grad(!options_.freeze_body);
}

torch::Device WeightModelImpl::device() const { return fc1->weight.device(); }

torch::Tensor WeightModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  torch::Tensor hidden;
  {
    // A frozen body is a fixed feature extractor: no graph through it.
    std::optional<torch::NoGradGuard> frozen;
    if (options_.freeze_body) frozen.emplace();
    hidden = body_->hidden_states(input_ids, attention_mask, {}, nullptr);
  }
  auto scores = fc2(torch::gelu(fc1(hidden))).squeeze(-1);
  const auto mask = attention_mask.to(scores.scalar_type());
  namespace F = torch::nn::functional;
  auto weights = F::softplus(scores, F::SoftplusFuncOptions().beta(kSoftplusBeta)) * mask;
  if (options_.normalize) weights = weights / weights.sum(1, true) * mask.sum(1, true);
  return weights;
}

train::NamedTensors WeightModelImpl::trainable() {
  train::NamedTensors out;
  for (const auto& item : named_parameters())
    if (item.value().requires_grad()) out.emplace_back(item.key(), item.value());
  return out;
}

void WeightModelImpl::save(const std::filesystem::path& dir) {
  std::vector<std::pair<std::string, torch::Tensor>> body, head;
  for (const auto& item : body_->named_parameters()) body.emplace_back(item.key(), item.value().detach());
  for (const auto& [name, module] : {std::pair{"fc1", fc1}, std::pair{"fc2", fc2}})
    for (const auto& item : module->named_parameters())
      head.emplace_back(std::string(name) + "." + item.key(), item.value().detach());
  io::save_safetensors((dir / "model.safetensors").string(), body);
  io::save_safetensors((dir / kTokenWeightingHeadFile).string(), head);
  const auto config = io::read_json_file((std::filesystem::path(body_dir_) / "config.json").string());
  io::write_file_atomic((dir / "config.json").string(), config.dump(2));
}

std::shared_ptr<WeightModelImpl> load_weight_model(const std::string& dir, const WeightModelOptions& options,
                                                   const models::LoadOptions& load) {
  auto body_options = load;
  body_options.dtype = torch::kFloat32;
  body_options.trainable = !options.freeze_body;
  auto model = std::make_shared<WeightModelImpl>(models::load_causal_lm(dir, body_options), dir, options);
  const auto head_path = std::filesystem::path(dir) / kTokenWeightingHeadFile;
  if (!std::filesystem::exists(head_path)) return model;
  const auto head = io::SafetensorsFile::open(head_path.string());
  torch::NoGradGuard no_grad;
  for (const auto& [name, module] : {std::pair{"fc1", model->fc1}, std::pair{"fc2", model->fc2}})
    for (auto& item : module->named_parameters()) {
      const std::string key = std::string(name) + "." + item.key();
      if (!head->contains(key)) throw Error(head_path.string() + ": tensor '" + key + "' is missing");
      const auto stored = head->load(key, torch::kFloat32, model->device());
      if (stored.sizes() != item.value().sizes())
        throw Error(head_path.string() + ": tensor '" + key + "' has shape " + c10::str(stored.sizes()) +
                    ", expected " + c10::str(item.value().sizes()));
      item.value().copy_(stored);
    }
  model->trained_head_ = true;
  return model;
}

}  // namespace amem::methods::camels
