#include "amem/models/hf_config.h"

#include <cmath>
#include <filesystem>

#include "amem/core/error.h"
#include "amem/io/json_file.h"

namespace amem::models {

HfConfig HfConfig::read(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / "config.json").string();
  auto json = io::read_json_file(path);
  if (!json.is_object()) throw Error(path + ": expected a JSON object");
  return HfConfig(std::move(json), path);
}

void HfConfig::fail(const std::string& key, const std::string& what) const {
  throw Error(path_ + ": key '" + key + "': " + what);
}

const nlohmann::json* HfConfig::find(const std::string& key) const {
  auto it = json_.find(key);
  return it == json_.end() || it->is_null() ? nullptr : &*it;
}

bool HfConfig::has(const std::string& key) const { return find(key) != nullptr; }

int64_t HfConfig::integer(const std::string& key) const {
  const auto* v = find(key);
  if (!v) fail(key, "missing (expected an integer)");
  if (!v->is_number_integer()) fail(key, "expected an integer, got " + v->dump());
  return v->get<int64_t>();
}

int64_t HfConfig::positive_integer(const std::string& key) const {
  const int64_t value = integer(key);
  if (value <= 0) fail(key, "expected a positive integer, got " + std::to_string(value));
  return value;
}

double HfConfig::number(const std::string& key) const {
  const auto* v = find(key);
  if (!v) fail(key, "missing (expected a number)");
  if (!v->is_number()) fail(key, "expected a number, got " + v->dump());
  return v->get<double>();
}

double HfConfig::positive_number(const std::string& key) const {
  const double v = number(key);
  if (!(std::isfinite(v) && v > 0)) fail(key, "expected a finite number > 0, got " + find(key)->dump());
  return v;
}

std::string HfConfig::string(const std::string& key) const {
  const auto* v = find(key);
  if (!v) fail(key, "missing (expected a string)");
  if (!v->is_string()) fail(key, "expected a string, got " + v->dump());
  return v->get<std::string>();
}

int64_t HfConfig::integer(const std::string& key, int64_t fallback) const {
  return has(key) ? integer(key) : fallback;
}

double HfConfig::number(const std::string& key, double fallback) const {
  return has(key) ? number(key) : fallback;
}

double HfConfig::positive_number(const std::string& key, double fallback) const {
  return has(key) ? positive_number(key) : fallback;
}

double HfConfig::probability(const std::string& key, double fallback) const {
  if (!has(key)) return fallback;
  const double v = number(key);
  if (!(v >= 0 && v < 1)) fail(key, "expected a probability in [0, 1), got " + find(key)->dump());
  return v;
}

std::string HfConfig::string(const std::string& key, const std::string& fallback) const {
  return has(key) ? string(key) : fallback;
}

bool HfConfig::boolean(const std::string& key, bool fallback) const {
  const auto* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail(key, "expected true or false, got " + v->dump());
  return v->get<bool>();
}

std::optional<int64_t> HfConfig::optional_integer(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return integer(key);
}

}  // namespace amem::models
