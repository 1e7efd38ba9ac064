#include "amem/models/weight_loader.h"

#include <regex>
#include <set>

#include "amem/core/error.h"

namespace amem::models {

namespace {

std::string shape_text(c10::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string prefix_list(const std::vector<std::string>& prefixes) {
  std::string s;
  for (const auto& p : prefixes) s += (s.empty() ? "'" : ", '") + p + "'";
  return s;
}

// The checkpoint name that holds module tensor `name`: its alias (if any) under the first
// prefix the checkpoint knows. Empty when none does.
std::string find_in_checkpoint(const std::string& name, const io::SafetensorsCheckpoint& checkpoint,
                               const WeightLoadOptions& opts) {
  auto alias = opts.aliases.find(name);
  const std::string& base = alias != opts.aliases.end() ? alias->second : name;
  for (const auto& prefix : opts.prefixes)
    if (checkpoint.contains(prefix + base)) return prefix + base;
  return {};
}

}  // namespace

void load_weights(torch::nn::Module& module, const io::SafetensorsCheckpoint& checkpoint,
                  const WeightLoadOptions& opts) {
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  auto fill = [&](const std::string& name, torch::Tensor& target) {
    const std::string source = find_in_checkpoint(name, checkpoint, opts);
    if (source.empty())
      throw Error(checkpoint.path() + ": missing tensor '" + name + "' (looked under prefixes " +
                  prefix_list(opts.prefixes) + ")");
    const auto& entry = checkpoint.entry(source);
    if (c10::IntArrayRef(entry.shape) != target.sizes())
      throw Error(checkpoint.path() + ": tensor '" + source + "' has shape " +
                  shape_text(entry.shape) + ", the model expects " + shape_text(target.sizes()));
    const auto dtype = target.is_floating_point() ? opts.dtype : target.scalar_type();
    // set_data keeps the parameter object (and its requires_grad flag) and swaps its storage,
    // so modules holding the same tensor (tied embeddings) stay tied.
    target.set_data(checkpoint.load(source, dtype, opts.device));
    used.insert(source);
  };
  for (auto& item : module.named_parameters(/*recurse=*/true)) fill(item.key(), item.value());
  for (auto& item : module.named_buffers(/*recurse=*/true)) fill(item.key(), item.value());

  std::vector<std::regex> ignored;
  for (const auto& pattern : opts.ignore_unexpected) ignored.emplace_back(pattern);
  for (const auto& name : checkpoint.names()) {
    if (used.count(name)) continue;
    bool ignore = false;
    for (const auto& re : ignored) ignore = ignore || std::regex_match(name, re);
    if (!ignore)
      throw Error(checkpoint.path() + ": unexpected tensor '" + name +
                  "' that no module parameter takes (wrong architecture or config?)");
  }
}

}  // namespace amem::models
