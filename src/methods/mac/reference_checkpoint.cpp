#include "amem/methods/mac/reference_checkpoint.h"

#include <map>
#include <set>
#include <sstream>

#include "amem/core/error.h"
#include "amem/io/torch_save.h"

namespace amem::methods {

namespace {

std::string shape_text(torch::IntArrayRef shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// What bitsandbytes adds to a quantized Linear's state dict (Params4bit / Int8Params).
bool is_quantization_key(const std::string& key) {
  for (const char* marker : {".absmax", ".quant_map", ".quant_state.", ".nested_absmax", ".SCB", ".weight_format"})
    if (key.find(marker) != std::string::npos) return true;
  return false;
}

// The reference's keys, each taken at most once and checked against the shape amem expects.
class ReferenceKeys {
 public:
  ReferenceKeys(const ReferenceStateDict& state, std::string source) : source_(std::move(source)) {
    for (const auto& [key, tensor] : state) {
      tensors_.emplace(key, tensor);
      order_.push_back(key);
    }
  }

  torch::Tensor take(const std::string& key, torch::IntArrayRef shape) {
    const auto it = tensors_.find(key);
    if (it == tensors_.end()) throw Error(source_ + ": missing key '" + key + "' (expected shape " + shape_text(shape) + ")");
    if (it->second.sizes() != shape)
      throw Error(source_ + ": key '" + key + "': shape " + shape_text(it->second.sizes()) + ", expected " +
                  shape_text(shape));
    taken_.insert(key);
    return it->second;
  }

  // T5 ties its embeddings: the reference's state dict repeats `shared` under the encoder's and
  // decoder's embed_tokens. The copies carry nothing, but an untied one would be lost silently.
  void drop_tied_copies(const std::string& t5_prefix) {
    const auto shared = tensors_.find(t5_prefix + "shared.weight");
    for (const char* copy : {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight"}) {
      const auto it = tensors_.find(t5_prefix + copy);
      if (it == tensors_.end()) continue;
      if (shared == tensors_.end() || !torch::equal(it->second, shared->second))
        throw Error(source_ + ": key '" + it->first + "' differs from '" + t5_prefix +
                    "shared.weight' (amem's T5 ties its token embeddings)");
      taken_.insert(it->first);
    }
  }

  void check_all_taken() const {
    for (const auto& key : order_)
      if (!taken_.count(key))
        throw Error(source_ + ": unexpected key '" + key + "' (shape " + shape_text(tensors_.at(key).sizes()) +
                    "): it maps to no parameter of the MAC networks this config builds");
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::map<std::string, torch::Tensor> tensors_;
  std::vector<std::string> order_;
  std::set<std::string> taken_;
};

// A reference nn.ModuleList of per-token MLPs, `prefix`{i}.<layer>: amem stacks them over i
// (layers::TokenMlpBank). Empty `skip`: the reference has no skip projection (identity).
struct MlpListNames {
  std::string prefix, norm, hidden, output, skip;
};

torch::Tensor stacked_value(ReferenceKeys& keys, const MlpListNames& names, const std::string& field,
                            const std::string& amem_name, const torch::Tensor& param) {
  const auto underscore = field.rfind('_');
  const std::string layer = field.substr(0, underscore), leaf = field.substr(underscore + 1);
  const std::map<std::string, std::string> layers = {
      {"norm", names.norm}, {"hidden", names.hidden}, {"output", names.output}, {"skip", names.skip}};
  const auto it = layers.find(layer);
  if (it == layers.end() || (leaf != "weight" && leaf != "bias"))
    throw std::logic_error("reference_checkpoint: unknown TokenMlpBank parameter " + amem_name);
  if (it->second.empty())
    throw Error(keys.source() + ": amem parameter '" + amem_name + "' has no reference key: the reference's '" +
                names.prefix + "*' MLPs keep their width (identity skip), this config's do not");
  // nn.Linear stores [out, in]; the bank multiplies by [in, out].
  const bool transposed = leaf == "weight" && layer != "norm";
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < param.size(0); ++i) {
    const auto row = transposed ? param[i].t() : param[i];
    const auto value = keys.take(names.prefix + std::to_string(i) + "." + it->second + "." + leaf, row.sizes());
    rows.push_back(transposed ? value.t() : value);
  }
  return torch::stack(rows);
}

// An AmortizationNetwork's parameter (`rest`, after the network's own name): its T5 under
// `t5_prefix` with the same names, the queries as `learnable_prompts`, the MLPs under `mlps`.
torch::Tensor amortizer_value(ReferenceKeys& keys, const std::string& rest, const std::string& t5_prefix,
                              const std::string& mlps, const std::string& amem_name, const torch::Tensor& param) {
  if (starts_with(rest, "t5.")) return keys.take(t5_prefix + rest.substr(3), param.sizes());
  if (rest == "queries") return keys.take(t5_prefix + "learnable_prompts", param.sizes());
  const std::string bank = "token_mlps.";
  if (starts_with(rest, bank))
    return stacked_value(keys, {mlps, "mlp.0", "mlp.1", "mlp.3", "skip"}, rest.substr(bank.size()), amem_name, param);
  throw Error(keys.source() + ": amem parameter '" + amem_name + "' has no counterpart in a reference checkpoint");
}

// aggregator.blocks.{k}.<module>.<leaf> -> the reference's CrossAttentionBlock
// (M:models/module/cross_attention.py:75-105): same tensor layout, other module names.
torch::Tensor block_value(ReferenceKeys& keys, const std::string& rest, const std::string& amem_name,
                          const torch::Tensor& param) {
  static const std::map<std::string, std::string> modules = {
      {"norm_query", "norm1"},     {"norm_memory", "norm_context"}, {"to_q", "attn.to_q"},
      {"to_k", "attn.to_k"},       {"to_v", "attn.to_v"},           {"to_out", "attn.to_out.0"},
      {"norm_mlp", "norm2"},       {"mlp_in", "mlp.net.0"},         {"mlp_out", "mlp.net.3"}};
  const auto first = rest.find('.'), last = rest.rfind('.');
  const auto it = modules.find(rest.substr(first + 1, last - first - 1));
  if (first == std::string::npos || it == modules.end())
    throw Error(keys.source() + ": amem parameter '" + amem_name + "' has no counterpart in a reference checkpoint");
  return keys.take("aggregator.cross_attention_list." + rest.substr(0, first) + "." + it->second + rest.substr(last),
                   param.sizes());
}

torch::Tensor reference_value(ReferenceKeys& keys, const std::string& name, const torch::Tensor& param) {
  const std::string amortizer = "amortizer.", question = "aggregator.question_encoder.", blocks = "aggregator.blocks.",
                    prefix = "to_prefix.token_mlps.";
  if (starts_with(name, amortizer))
    return amortizer_value(keys, name.substr(amortizer.size()), "enc_decoder.", "mlps.", name, param);
  if (starts_with(name, question))
    return amortizer_value(keys, name.substr(question.size()), question, "aggregator.mlps.", name, param);
  if (starts_with(name, blocks)) return block_value(keys, name.substr(blocks.size()), name, param);
  // TokenSelfAttend's FeedForward (M:models/module/self_attention.py:12-25): LN, Linear, GELU,
  // Dropout, Linear, Dropout, plus the input.
  if (starts_with(name, prefix))
    return stacked_value(keys, {"token_SA.mlp_layers.", "net.0", "net.1", "net.4", ""}, name.substr(prefix.size()),
                         name, param);
  throw Error(keys.source() + ": amem parameter '" + name + "' has no counterpart in a reference checkpoint");
}

}  // namespace

ReferenceStateDict read_reference_checkpoint(const std::string& path) {
  const auto root = io::read_torch_save(path);
  const std::string expected = "a dict whose 'state_dict' maps names to tensors, as the reference's torch.save";
  if (root.kind != io::PickleValue::Kind::kDict)
    throw Error(path + ": the pickle holds a " + root.kind_name() + ", expected " + expected);
  const io::PickleValue* state = nullptr;
  for (const auto& [key, value] : *root.entries)
    if (key.kind == io::PickleValue::Kind::kString && key.text == "state_dict") state = &value;
  if (!state || state->kind != io::PickleValue::Kind::kDict) throw Error(path + ": no 'state_dict' dict; expected " + expected);
  ReferenceStateDict tensors;
  for (const auto& [key, value] : *state->entries) {
    if (key.kind != io::PickleValue::Kind::kString)
      throw Error(path + ": a state_dict key is a " + key.kind_name() + "; expected " + expected);
    if (value.kind != io::PickleValue::Kind::kTensor)
      throw Error(path + ": state_dict key '" + key.text + "' holds a " + value.kind_name() + ", expected a tensor");
    if (is_quantization_key(key.text) || !value.tensor.is_floating_point())
      throw Error(path + ": key '" + key.text + "' is a bitsandbytes-quantized weight (the reference's nf4 T5s of "
                  "LLaMA runs); amem imports fp32/bf16/fp16 checkpoints only, so dequantize it first");
    tensors.emplace_back(key.text, value.tensor);
  }
  return tensors;
}

void import_reference_state_dict(MacNetworksImpl& networks, const ReferenceStateDict& state, const std::string& source) {
  ReferenceKeys keys(state, source);
  keys.drop_tied_copies("enc_decoder.");
  keys.drop_tied_copies("aggregator.question_encoder.");
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // amem parameter, its value
  for (const auto& p : networks.named_parameters())
    copies.emplace_back(p.value(), reference_value(keys, p.key(), p.value()));
  keys.check_all_taken();
  torch::NoGradGuard no_grad;
  for (auto& [param, value] : copies) param.copy_(value);
}

}  // namespace amem::methods
