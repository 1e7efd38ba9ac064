#include "amem/models/config_shape_check.h"

#include <cctype>

#include "amem/core/error.h"

namespace amem::models {

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The block index `name` carries right after `head` ("h.12.attn..." after "h." gives 12), or
// -1 when it does not start with `head` followed by digits and a dot.
int64_t block_index(const std::string& name, const std::string& head) {
  if (name.compare(0, head.size(), head) != 0) return -1;
  size_t end = head.size();
  while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
  if (end == head.size() || end == name.size() || name[end] != '.' || end - head.size() > 9) return -1;
  return std::stoll(name.substr(head.size(), end - head.size()));
}

}  // namespace

ConfigShapeCheck::ConfigShapeCheck(std::string config_path, const io::SafetensorsCheckpoint& checkpoint,
                                   std::vector<std::string> prefixes)
    : config_path_(std::move(config_path)), checkpoint_(checkpoint), prefixes_(std::move(prefixes)) {}

void ConfigShapeCheck::size(const std::string& key, int64_t value, const std::string& tensor, size_t dim) const {
  compare(key + " is " + std::to_string(value), value, tensor, dim);
}

void ConfigShapeCheck::product(const std::string& key_a, int64_t a, const std::string& key_b, int64_t b,
                               const std::string& tensor, size_t dim) const {
  int64_t value = 0;
  const bool overflow = __builtin_mul_overflow(a, b, &value);
  compare(key_a + " * " + key_b + " is " + std::to_string(a) + " * " + std::to_string(b) +
              (overflow ? "" : " = " + std::to_string(value)),
          overflow ? std::nullopt : std::optional<int64_t>(value), tensor, dim);
}

// `what` ("n_embd is 65") is the config side of the message; an empty `value` matches nothing.
void ConfigShapeCheck::compare(const std::string& what, const std::optional<int64_t>& value, const std::string& tensor,
                               size_t dim) const {
  for (const auto& prefix : prefixes_) {
    if (!checkpoint_.contains(prefix + tensor)) continue;
    const auto& shape = checkpoint_.entry(prefix + tensor).shape;
    if (value && dim < shape.size() && shape[dim] == *value) return;
    throw Error(config_path_ + ": " + what + " but " + checkpoint_.file() + " has '" + prefix + tensor +
                "' of shape " + shape_text(shape));
  }
  throw Error(config_path_ + ": " + what + ", which cannot be checked: " + checkpoint_.file() +
              " has no tensor '" + prefixes_.front() + tensor + "'");
}

void ConfigShapeCheck::blocks(const std::string& key, int64_t value, const std::string& block) const {
  int64_t count = 0;
  std::string head = prefixes_.front() + block;
  for (const auto& name : checkpoint_.names())
    for (const auto& prefix : prefixes_)
      if (const int64_t index = block_index(name, prefix + block); index >= count) {
        count = index + 1;
        head = prefix + block;
      }
  if (count == value) return;
  throw Error(config_path_ + ": " + key + " is " + std::to_string(value) + " but " + checkpoint_.file() + " has " +
              (count == 0 ? "no layers (no tensor named " + head + "0.…)"
                          : std::to_string(count) + (count == 1 ? " layer (" : " layers (") + head + "0" +
                                (count > 1 ? " … " + head + std::to_string(count - 1) : std::string()) + ")"));
}

}  // namespace amem::models
