#include "amem/config/schema.h"

#include <algorithm>
#include <cmath>

#include "amem/core/error.h"

namespace amem::config {

namespace {

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string format_number(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

bool is_number_list(FieldType type) { return type == FieldType::IntList || type == FieldType::FloatList; }

}  // namespace

std::string describe_range(const Field& field) {
  std::string range;
  if (field.minimum && field.maximum) {
    if (!field.minimum_exclusive && !field.maximum_exclusive)
      range = "in [" + format_number(*field.minimum) + ", " + format_number(*field.maximum) + "]";
    else
      range = std::string(field.minimum_exclusive ? "> " : ">= ") + format_number(*field.minimum) + " and " +
              (field.maximum_exclusive ? "< " : "<= ") + format_number(*field.maximum);
  } else if (field.minimum) {
    range = std::string(field.minimum_exclusive ? "> " : ">= ") + format_number(*field.minimum);
  } else if (field.maximum) {
    range = std::string(field.maximum_exclusive ? "< " : "<= ") + format_number(*field.maximum);
  }
  if (!range.empty() && field.sentinel) range += " (or " + std::to_string(*field.sentinel) + ")";
  return range;
}

namespace {

// What is wrong with one number of a field (the field's value, or an element of its list), or "".
std::string number_problem(const Field& field, const YAML::Node& value) {
  double v;
  from_node(value, v);  // integers read as doubles too
  if (!std::isfinite(v)) return "must be a finite number, got " + value.Scalar();
  if (field.sentinel && v == double(*field.sentinel)) return "";
  const bool low = field.minimum && (field.minimum_exclusive ? v <= *field.minimum : v < *field.minimum);
  const bool high = field.maximum && (field.maximum_exclusive ? v >= *field.maximum : v > *field.maximum);
  if (low || high) return "must be " + describe_range(field) + ", got " + value.Scalar();
  return "";
}

// What is wrong with a value that has the right type, or "".
std::string range_problem(const Field& field, const YAML::Node& value) {
  if (field.type == FieldType::Int || field.type == FieldType::Float) return number_problem(field, value);
  if (is_number_list(field.type)) {
    for (std::size_t i = 0; i < value.size(); ++i)
      if (std::string problem = number_problem(field, value[i]); !problem.empty())
        return "element " + std::to_string(i + 1) + " " + problem;
    return "";
  }
  if (!field.choices.empty() && field.type == FieldType::String) {
    std::string list;
    for (const auto& c : field.choices) {
      if (c == value.Scalar()) return "";
      list += (list.empty() ? "" : ", ") + c;
    }
    return "expected one of " + list + ", got '" + value.Scalar() + "'";
  }
  return "";
}

}  // namespace

Section& Section::add(const std::string& key, FieldType type, YAML::Node default_value,
                      bool required, bool nullable, std::string doc) {
  const std::string full = join(name_, key);
  for (const auto& f : fields_)
    if (f.key == full) throw std::logic_error("schema: " + full + " is declared twice");
  Field field;
  field.key = full;
  field.type = type;
  field.default_value = default_value;
  field.required = required;
  field.nullable = nullable;
  field.doc = std::move(doc);
  fields_.push_back(std::move(field));
  return *this;
}

Field& Section::last(const char* constraint) {
  if (fields_.empty())
    throw std::logic_error(std::string("schema: ") + constraint + " before any field in " + name_);
  return fields_.back();
}

Section& Section::positive() {
  Field& f = last("positive()");
  f.minimum = 0.0;
  f.minimum_exclusive = true;
  return *this;
}

Section& Section::at_least(double minimum) {
  Field& f = last("at_least()");
  f.minimum = minimum;
  f.minimum_exclusive = false;
  return *this;
}

Section& Section::at_most(double maximum) {
  Field& f = last("at_most()");
  f.maximum = maximum;
  f.maximum_exclusive = false;
  return *this;
}

Section& Section::below(double maximum) {
  Field& f = last("below()");
  f.maximum = maximum;
  f.maximum_exclusive = true;
  return *this;
}

Section& Section::or_exactly(int64_t sentinel) {
  last("or_exactly()").sentinel = sentinel;
  return *this;
}

Section& Section::one_of(std::vector<std::string> choices) {
  last("one_of()").choices = std::move(choices);
  return *this;
}

Section& Schema::section(const std::string& name, std::string doc) {
  for (const auto& s : sections_)
    if (s.name() == name) throw std::logic_error("schema: section " + name + " declared twice");
  return sections_.emplace_back(name, std::move(doc));
}

const Field* Schema::find(const std::string& key) const {
  for (const auto& s : sections_)
    for (const auto& f : s.fields())
      if (f.key == key) return &f;
  return nullptr;
}

namespace {

// The names a map at `prefix` may hold: the next part of every declared key below it.
std::vector<std::string> known_children(const Schema& schema, const std::string& prefix) {
  std::vector<std::string> names;
  auto add = [&](const std::string& key) {
    if (!prefix.empty() && !starts_with(key, prefix + ".")) return;
    const std::string below = prefix.empty() ? key : key.substr(prefix.size() + 1);
    const std::string name = below.substr(0, below.find('.'));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const auto& s : schema.sections()) {
    add(s.name());
    for (const auto& f : s.fields()) add(f.key);
  }
  return names;
}

bool is_map_key(const Schema& schema, const std::string& key) {
  for (const auto& s : schema.sections()) {
    if (s.name() == key || starts_with(s.name(), key + ".")) return true;
    for (const auto& f : s.fields())
      if (starts_with(f.key, key + ".")) return true;
  }
  return false;
}

// Levenshtein distance (insertions, deletions, substitutions), for "did you mean" on a typo.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean <prefix.name>?" for the known name closest to `name` within two edits
// (and closer than its length, so a short key is not matched to anything), else "".
std::string did_you_mean(const std::string& name, const std::vector<std::string>& known, const std::string& prefix) {
  const std::string* best = nullptr;
  size_t best_distance = 3;
  for (const auto& candidate : known) {
    const size_t d = edit_distance(name, candidate);
    if (d < best_distance && d < candidate.size()) best = &candidate, best_distance = d;
  }
  return best ? "; did you mean " + join(prefix, *best) + "?" : "";
}

void check_known_keys(const Schema& schema, const ConfigTree& tree, const YAML::Node& map,
                      const std::string& prefix) {
  for (const auto& entry : map) {
    const std::string key = join(prefix, entry.first.Scalar());
    if (schema.find(key)) continue;
    if (!is_map_key(schema, key)) {
      std::string known;
      const auto names = known_children(schema, prefix);
      for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
      const std::string where = prefix.empty() ? "known sections" : prefix + " has";
      throw ConfigError(tree.source_of(key) + ": " + key + ": unknown key (" + where + ": " + known + ")" +
                        did_you_mean(entry.first.Scalar(), names, prefix));
    }
    if (entry.second.IsNull()) continue;  // "train:" with every key commented out
    if (!entry.second.IsMap())
      throw ConfigError(tree.source_of(key) + ": " + key + ": expected a map of keys, got " +
                        (entry.second.IsSequence() ? "a list" : "a value"));
    check_known_keys(schema, tree, entry.second, key);
  }
}

YAML::Node lookup(const YAML::Node& root, const std::string& key) {
  YAML::Node node;
  node.reset(root);
  for (const auto& part : split_key(key, "schema")) {
    const YAML::Node& current = node;
    if (!current.IsMap() || !current[part]) return YAML::Node(YAML::NodeType::Undefined);
    node.reset(current[part]);
  }
  return node;
}

}  // namespace

Config Schema::validate(const ConfigTree& tree) const {
  check_known_keys(*this, tree, tree.root(), "");
  Config config;
  config.source_ = tree.source();
  for (const auto& section : sections_) {
    for (const auto& field : section.fields()) {
      const YAML::Node given = lookup(tree.root(), field.key);
      // A copy: assigning to a yaml-cpp Node that shares the default's node would rewrite the
      // schema's default for every later config of the process.
      YAML::Node value = YAML::Clone(field.default_value);
      if (!given.IsDefined() || (given.IsNull() && field.required)) {
        if (field.required)
          throw ConfigError(tree.source() + ": " + field.key + ": missing required key (" +
                            describe(field.type) + ": " + field.doc + ")");
      } else if (given.IsNull() && field.nullable) {
        value = YAML::Node(YAML::NodeType::Null);
      } else {
        CheckedValue checked = check_value(field.type, given);
        std::string problem = checked.problem;
        if (problem.empty()) problem = range_problem(field, checked.value);
        if (!problem.empty())
          throw ConfigError(tree.source_of(field.key) + ": " + field.key + ": " + problem);
        value = checked.value;
      }
      config.index_[field.key] = config.entries_.size();
      config.entries_.push_back({field.key, field.type, value, given.IsDefined() ? tree.source_of(field.key) : tree.source()});
    }
  }
  return config;
}

}  // namespace amem::config
