// The value types a config field can have, and how a YAML value is checked against one.
//
// Validated values are stored in a canonical YAML form, so that the resolved config reads
// the same however the input was written: numbers in their shortest exact decimal form
// (floats always with a '.' or exponent), booleans as true/false, lists in flow style.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace amem::config {

enum class FieldType { Bool, Int, Float, String, IntList, FloatList, StringList };

// The C++ type a field of each FieldType is read as (Config::get<T>).
template <class T>
struct FieldTypeOf;
template <>
struct FieldTypeOf<bool> {
  static constexpr FieldType value = FieldType::Bool;
};
template <>
struct FieldTypeOf<int64_t> {
  static constexpr FieldType value = FieldType::Int;
};
template <>
struct FieldTypeOf<double> {
  static constexpr FieldType value = FieldType::Float;
};
template <>
struct FieldTypeOf<std::string> {
  static constexpr FieldType value = FieldType::String;
};
template <>
struct FieldTypeOf<std::vector<int64_t>> {
  static constexpr FieldType value = FieldType::IntList;
};
template <>
struct FieldTypeOf<std::vector<double>> {
  static constexpr FieldType value = FieldType::FloatList;
};
template <>
struct FieldTypeOf<std::vector<std::string>> {
  static constexpr FieldType value = FieldType::StringList;
};

// "a number", "a list of integers", ...: the words used in "expected ..." messages.
std::string describe(FieldType type);

// The result of checking a value: the canonical value, or what is wrong with it
// ("expected a number, got 'fast'").
struct CheckedValue {
  YAML::Node value;
  std::string problem;
};
CheckedValue check_value(FieldType type, const YAML::Node& value);

// C++ values to canonical nodes (schema defaults) and back (Config::get). Reading assumes
// a node that check_value accepted.
YAML::Node to_node(bool value);
YAML::Node to_node(int64_t value);
YAML::Node to_node(double value);
YAML::Node to_node(const std::string& value);
YAML::Node to_node(const std::vector<int64_t>& value);
YAML::Node to_node(const std::vector<double>& value);
YAML::Node to_node(const std::vector<std::string>& value);

void from_node(const YAML::Node& node, bool& out);
void from_node(const YAML::Node& node, int64_t& out);
void from_node(const YAML::Node& node, double& out);
void from_node(const YAML::Node& node, std::string& out);
void from_node(const YAML::Node& node, std::vector<int64_t>& out);
void from_node(const YAML::Node& node, std::vector<double>& out);
void from_node(const YAML::Node& node, std::vector<std::string>& out);

}  // namespace amem::config
