// The schema: every config key amem accepts, with its type, default and meaning.
//
// Each part of amem declares its own section, next to the code that reads it:
//
//   void TrainSettings::declare(config::Schema& schema) {
//     schema.section("train", "optimisation")
//         .field<double>("lr", 1e-4, "learning rate").positive()
//         .field<int64_t>("steps", 1000, "optimiser steps").at_least(1)
//         .required<std::string>("data", "training set (a .json file)")
//         .optional<int64_t>("max_tokens", "truncate documents; null keeps them whole")
//         .field<std::string>("schedule", "cosine", "lr schedule").one_of({"cosine", "constant"});
//   }
//
// and adds one line to amem_schema() (amem/config/amem_schema.h). Constraints (positive,
// at_least, at_most, below, or_exactly, one_of) apply to the field declared just before them;
// on a list of numbers the range applies to every element. Every number a float field (or
// float list) holds must be finite: no setting of amem means anything at .inf or .nan.
//
// Field types: bool, int64_t, double, std::string and std::vector of int64_t / double /
// std::string (see field_value.h). `field` has a default, `required` must be set by a file
// or override, `optional` may be null and is null unless set.
//
// Schema::validate turns a composed ConfigTree into a Config. Unknown keys, values of the
// wrong type or out of range, and missing required keys throw amem::ConfigError, one line
// naming the file or override at fault and the dotted key:
//   configs/x.yaml: train.lr: expected a number, got 'fast'
#pragma once

#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/config_tree.h"
#include "amem/config/field_value.h"

namespace amem::config {

struct Field {
  std::string key;  // dotted, section included: "train.lr"
  FieldType type;
  YAML::Node default_value;  // canonical; null when there is none
  bool required = false;
  bool nullable = false;
  std::string doc;
  std::optional<double> minimum;  // numbers (and number lists) only
  bool minimum_exclusive = false;
  std::optional<double> maximum;
  bool maximum_exclusive = false;
  // A value outside [minimum, maximum] that has a meaning of its own ("-1: all").
  std::optional<int64_t> sentinel;
  std::vector<std::string> choices;  // strings only; empty: any
};

// The numbers a field accepts, as messages and `amem config keys` write them: ">= 1",
// "in [0, 1]", ">= 0 and < 1", ">= 1 (or -1)"; "" for a field without a range.
std::string describe_range(const Field& field);

class Section {
 public:
  Section(std::string name, std::string doc) : name_(std::move(name)), doc_(std::move(doc)) {}

  template <class T>
  Section& field(const std::string& key, const T& default_value, std::string doc) {
    return add(key, FieldTypeOf<T>::value, to_node(default_value), false, false, std::move(doc));
  }
  template <class T>
  Section& required(const std::string& key, std::string doc) {
    return add(key, FieldTypeOf<T>::value, YAML::Node(YAML::NodeType::Null), true, false,
               std::move(doc));
  }
  template <class T>
  Section& optional(const std::string& key, std::string doc) {
    return add(key, FieldTypeOf<T>::value, YAML::Node(YAML::NodeType::Null), false, true,
               std::move(doc));
  }

  Section& positive();                // > 0
  Section& at_least(double minimum);  // >= minimum
  Section& at_most(double maximum);   // <= maximum
  Section& below(double maximum);     // < maximum
  Section& or_exactly(int64_t sentinel);  // also accept this one integer outside the range
  Section& one_of(std::vector<std::string> choices);

  const std::string& name() const { return name_; }
  const std::string& doc() const { return doc_; }
  const std::vector<Field>& fields() const { return fields_; }

 private:
  Section& add(const std::string& key, FieldType type, YAML::Node default_value, bool required,
               bool nullable, std::string doc);
  Field& last(const char* constraint);

  std::string name_, doc_;
  std::vector<Field> fields_;
};

class Schema {
 public:
  // Declaring a section or field twice is a programming error (std::logic_error).
  Section& section(const std::string& name, std::string doc);

  const std::deque<Section>& sections() const { return sections_; }
  const Field* find(const std::string& key) const;

  // Checks every key of `tree` and fills in defaults. The result lists fields in declaration
  // order: sections as declared, and fields within each as declared.
  Config validate(const ConfigTree& tree) const;

 private:
  std::deque<Section> sections_;  // a deque: references handed out stay valid
};

}  // namespace amem::config
