#include "amem/config/field_value.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

namespace amem::config {

namespace {

std::optional<bool> parse_bool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::optional<int64_t> parse_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<double> parse_float(const std::string& s) {
  if (s == ".inf" || s == "+.inf" || s == ".Inf") return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN") return std::numeric_limits<double>::quiet_NaN();
  // strtod also takes "inf", "nan" and hex floats; YAML spells those differently.
  if (s.empty() || s.find_first_not_of("0123456789+-.eE") != std::string::npos) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (errno == ERANGE || *end != '\0') return std::nullopt;
  return v;
}

std::string format_float(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, v);
    if (std::strtod(buffer, nullptr) == v) break;
  }
  std::string s = buffer;
  // printf pads exponents to two digits: "1e-05" reads better as "1e-5".
  if (const size_t e = s.find('e'); e != std::string::npos) {
    size_t digits = e + 1 + (s[e + 1] == '-' || s[e + 1] == '+');
    if (s[e + 1] == '+') s.erase(e + 1, 1), --digits;
    while (s[digits] == '0' && digits + 1 < s.size()) s.erase(digits, 1);
    return s;
  }
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

std::string shown(const YAML::Node& value) {
  if (value.IsNull()) return "null";
  if (value.IsMap()) return "a map";
  if (value.IsSequence()) return "a list";
  return "'" + value.Scalar() + "'";
}

// Checks one scalar; returns its canonical text or nothing.
std::optional<std::string> canonical_scalar(FieldType element, const YAML::Node& value) {
  if (!value.IsScalar()) return std::nullopt;
  const std::string& s = value.Scalar();
  switch (element) {
    case FieldType::Bool:
      if (auto b = parse_bool(s)) return *b ? "true" : "false";
      return std::nullopt;
    case FieldType::Int:
      if (auto i = parse_int(s)) return std::to_string(*i);
      return std::nullopt;
    case FieldType::Float:
      if (auto f = parse_float(s)) return format_float(*f);
      return std::nullopt;
    default:
      return s;
  }
}

FieldType element_type(FieldType list) {
  switch (list) {
    case FieldType::IntList:
      return FieldType::Int;
    case FieldType::FloatList:
      return FieldType::Float;
    default:
      return FieldType::String;
  }
}

bool is_list(FieldType type) {
  return type == FieldType::IntList || type == FieldType::FloatList ||
         type == FieldType::StringList;
}

YAML::Node flow_sequence() {
  YAML::Node list(YAML::NodeType::Sequence);
  list.SetStyle(YAML::EmitterStyle::Flow);
  return list;
}

template <class T>
YAML::Node list_node(const std::vector<T>& values) {
  YAML::Node list = flow_sequence();
  for (const auto& v : values) list.push_back(to_node(v));
  return list;
}

template <class T>
void list_from_node(const YAML::Node& node, std::vector<T>& out) {
  out.clear();
  for (const auto& item : node) {
    T v;
    from_node(item, v);
    out.push_back(v);
  }
}

}  // namespace

std::string describe(FieldType type) {
  switch (type) {
    case FieldType::Bool:
      return "true or false";
    case FieldType::Int:
      return "an integer";
    case FieldType::Float:
      return "a number";
    case FieldType::String:
      return "a string";
    case FieldType::IntList:
      return "a list of integers";
    case FieldType::FloatList:
      return "a list of numbers";
    case FieldType::StringList:
      return "a list of strings";
  }
  return "";
}

CheckedValue check_value(FieldType type, const YAML::Node& value) {
  const std::string expected = "expected " + describe(type) + ", got ";
  if (!is_list(type)) {
    if (auto s = canonical_scalar(type, value)) return {YAML::Node(*s), ""};
    return {YAML::Node(), expected + shown(value)};
  }
  if (!value.IsSequence()) return {YAML::Node(), expected + shown(value)};
  YAML::Node list = flow_sequence();
  for (const auto& item : value) {
    auto s = canonical_scalar(element_type(type), item);
    if (!s) return {YAML::Node(), expected + "an item " + shown(item)};
    list.push_back(*s);
  }
  return {list, ""};
}

YAML::Node to_node(bool value) { return YAML::Node(value ? "true" : "false"); }
YAML::Node to_node(int64_t value) { return YAML::Node(std::to_string(value)); }
YAML::Node to_node(double value) { return YAML::Node(format_float(value)); }
YAML::Node to_node(const std::string& value) { return YAML::Node(value); }
YAML::Node to_node(const std::vector<int64_t>& value) { return list_node(value); }
YAML::Node to_node(const std::vector<double>& value) { return list_node(value); }
YAML::Node to_node(const std::vector<std::string>& value) { return list_node(value); }

void from_node(const YAML::Node& node, bool& out) { out = node.Scalar() == "true"; }
void from_node(const YAML::Node& node, int64_t& out) { out = *parse_int(node.Scalar()); }
void from_node(const YAML::Node& node, double& out) { out = *parse_float(node.Scalar()); }
void from_node(const YAML::Node& node, std::string& out) { out = node.Scalar(); }
void from_node(const YAML::Node& node, std::vector<int64_t>& out) { list_from_node(node, out); }
void from_node(const YAML::Node& node, std::vector<double>& out) { list_from_node(node, out); }
void from_node(const YAML::Node& node, std::vector<std::string>& out) { list_from_node(node, out); }

}  // namespace amem::config
