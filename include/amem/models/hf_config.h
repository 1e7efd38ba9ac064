// Typed access to a checkpoint's config.json, with errors that name the file and the key.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace amem::models {

class HfConfig {
 public:
  // Reads <dir>/config.json.
  static HfConfig read(const std::string& dir);
  HfConfig(nlohmann::json json, std::string path) : json_(std::move(json)), path_(std::move(path)) {}

  // Required keys: a missing key or a value of another type is amem::Error
  //   "<dir>/config.json: key 'n_embd': expected an integer".
  int64_t integer(const std::string& key) const;
  int64_t positive_integer(const std::string& key) const;  // > 0
  double number(const std::string& key) const;
  // A finite number > 0: epsilons, RoPE bases and factors, which make every output NaN or
  // infinite when zero or negative (a silent wrong result, not a crash).
  double positive_number(const std::string& key) const;
  std::string string(const std::string& key) const;

  // Optional keys: the fallback when absent or null; a value of another type is an error.
  int64_t integer(const std::string& key, int64_t fallback) const;
  double number(const std::string& key, double fallback) const;
  double positive_number(const std::string& key, double fallback) const;
  // A dropout probability: in [0, 1).
  double probability(const std::string& key, double fallback) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::optional<int64_t> optional_integer(const std::string& key) const;

  bool has(const std::string& key) const;
  const nlohmann::json& json() const { return json_; }
  const std::string& path() const { return path_; }
  // An amem::Error "<path>: key '<key>': <what>".
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const nlohmann::json* find(const std::string& key) const;  // null when absent or null
  nlohmann::json json_;
  std::string path_;
};

}  // namespace amem::models
