#include "amem/config/schema.h"

#include <gtest/gtest.h>

#include "amem/config/config.h"
#include "amem/core/error.h"
#include "support/temp_dir.h"

namespace {

using amem::config::Config;
using amem::config::load_config;
using amem::config::Schema;

Schema test_schema() {
  Schema schema;
  schema.section("train", "optimisation")
      .field<double>("lr", 1e-4, "learning rate")
      .positive()
      .field<int64_t>("steps", 10, "optimiser steps")
      .at_least(1)
      .field<bool>("shuffle", true, "shuffle the data")
      .required<std::string>("data", "training set")
      .optional<int64_t>("max_tokens", "truncation; null keeps documents whole")
      .field<std::string>("schedule", "cosine", "lr schedule")
      .one_of({"cosine", "constant"});
  schema.section("eval", "evaluation")
      .field<std::vector<int64_t>>("ks", {1, 5}, "top-k values")
      .field<std::vector<std::string>>("splits", {"dev"}, "splits")
      .field<std::vector<double>>("temperatures", {}, "sampling temperatures");
  schema.section("model.t5", "nested section").field<std::string>("path", "t5", "checkpoint");
  return schema;
}

std::string error_of(const Schema& schema, const std::string& path,
                     const std::vector<std::string>& overrides = {}) {
  try {
    load_config(schema, path, overrides);
  } catch (const amem::ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(ConfigSchema, TypedAccessAndDefaults) {
  const auto dir = amem::testing::fresh_dir("ConfigSchema_TypedAccessAndDefaults");
  const auto file = (dir / "x.yaml").string();
  amem::testing::write_file(file,
                            "train: {lr: 3e-5, steps: 7, shuffle: false, data: d.json}\n"
                            "eval: {splits: [dev, test], temperatures: [0.5, 1]}\n");
  const Config config = load_config(test_schema(), file);
  EXPECT_DOUBLE_EQ(config.get<double>("train.lr"), 3e-5);
  EXPECT_EQ(config.get<int64_t>("train.steps"), 7);
  EXPECT_FALSE(config.get<bool>("train.shuffle"));
  EXPECT_EQ(config.get<std::string>("train.data"), "d.json");
  EXPECT_TRUE(config.is_null("train.max_tokens"));
  EXPECT_EQ(config.get<std::string>("train.schedule"), "cosine");
  EXPECT_EQ(config.get<std::vector<int64_t>>("eval.ks"), (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(config.get<std::vector<std::string>>("eval.splits"),
            (std::vector<std::string>{"dev", "test"}));
  EXPECT_EQ(config.get<std::vector<double>>("eval.temperatures"), (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(config.get<std::string>("model.t5.path"), "t5");
  EXPECT_THROW(config.get<int64_t>("train.lr"), std::logic_error);          // declared a double
  EXPECT_THROW(config.get<double>("train.nope"), std::logic_error);         // not declared
  EXPECT_THROW(config.get<int64_t>("train.max_tokens"), std::logic_error);  // null
}

TEST(ConfigSchema, ResolvedYamlIsInDeclarationOrderAndCanonical) {
  const auto dir =
      amem::testing::fresh_dir("ConfigSchema_ResolvedYamlIsInDeclarationOrderAndCanonical");
  const auto file = (dir / "x.yaml").string();
  amem::testing::write_file(file,
                            "model: {t5: {path: \"a: b\"}}\n"
                            "eval: {ks: [3]}\n"
                            "train: {data: d.json, steps: 5, lr: 0.00001, max_tokens: 64}\n");
  const std::string expected =
      "train:\n"
      "  lr: 1e-5\n"
      "  steps: 5\n"
      "  shuffle: true\n"
      "  data: d.json\n"
      "  max_tokens: 64\n"
      "  schedule: cosine\n"
      "eval:\n"
      "  ks: [3]\n"
      "  splits: [dev]\n"
      "  temperatures: []\n"
      "model:\n"
      "  t5:\n"
      "    path: \"a: b\"\n";
  const std::string yaml = load_config(test_schema(), file).to_yaml();
  EXPECT_EQ(yaml, expected);
  // The resolved text loads back to itself.
  amem::testing::write_file(dir / "resolved.yaml", yaml);
  EXPECT_EQ(load_config(test_schema(), (dir / "resolved.yaml").string()).to_yaml(), expected);
}

TEST(ConfigSchema, NullOptionalAndFloatsAreWrittenReadably) {
  const auto dir = amem::testing::fresh_dir("ConfigSchema_NullOptionalAndFloatsAreWrittenReadably");
  const auto file = (dir / "x.yaml").string();
  amem::testing::write_file(file, "train: {data: d, lr: 2}\n");
  const std::string yaml = load_config(test_schema(), file).to_yaml();
  EXPECT_NE(yaml.find("  lr: 2.0\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  max_tokens: null\n"), std::string::npos) << yaml;
}

TEST(ConfigSchema, UnknownKeysNameTheFileThatSetThem) {
  const auto dir = amem::testing::fresh_dir("ConfigSchema_UnknownKeysNameTheFileThatSetThem");
  const auto base = (dir / "base.yaml").string();
  amem::testing::write_file(base, "train: {data: d, lrr: 1}\n");
  const auto file = (dir / "x.yaml").string();
  amem::testing::write_file(file, "defaults: [base]\n");
  EXPECT_EQ(error_of(test_schema(), file),
            base +
                ": train.lrr: unknown key (train has: lr, steps, shuffle, data, max_tokens, "
                "schedule); did you mean train.lr?");
  const auto section = (dir / "s.yaml").string();
  amem::testing::write_file(section, "train: {data: d}\ntrian: {lr: 1}\n");
  EXPECT_EQ(error_of(test_schema(), section),
            section + ": trian: unknown key (known sections: train, eval, model); did you mean train?");
  const auto nested = (dir / "n.yaml").string();
  amem::testing::write_file(nested, "train: {data: d}\nmodel: {t5: {paht: x}}\n");
  EXPECT_EQ(error_of(test_schema(), nested),
            nested + ": model.t5.paht: unknown key (model.t5 has: path); did you mean model.t5.path?");
  const auto not_map = (dir / "m.yaml").string();
  amem::testing::write_file(not_map, "train: 3\n");
  EXPECT_EQ(error_of(test_schema(), not_map),
            not_map + ": train: expected a map of keys, got a value");
  // An empty section is no error: its keys keep their defaults.
  const auto empty = (dir / "e.yaml").string();
  amem::testing::write_file(empty, "train: {data: d}\neval:\n");
  EXPECT_EQ(load_config(test_schema(), empty).get<std::vector<int64_t>>("eval.ks"),
            (std::vector<int64_t>{1, 5}));
}

TEST(ConfigSchema, WrongTypesNameKeyAndFile) {
  const auto dir = amem::testing::fresh_dir("ConfigSchema_WrongTypesNameKeyAndFile");
  const auto schema = test_schema();
  auto check = [&](const std::string& train, const std::string& expected) {
    const bool sets_data = train.rfind("data:", 0) == 0;
    const auto file = (dir / "x.yaml").string();
    amem::testing::write_file(
        file, std::string("train: {") + (sets_data ? "" : "data: d, ") + train + "}\n");
    EXPECT_EQ(error_of(schema, file), file + ": " + expected);
  };
  check("lr: fast", "train.lr: expected a number, got 'fast'");
  check("lr: [1]", "train.lr: expected a number, got a list");
  check("lr: -0.5", "train.lr: must be > 0, got -0.5");
  check("lr: 0", "train.lr: must be > 0, got 0.0");
  check("steps: 1.5", "train.steps: expected an integer, got '1.5'");
  check("steps: 0", "train.steps: must be >= 1, got 0");
  check("shuffle: yes", "train.shuffle: expected true or false, got 'yes'");
  check("data: {a: 1}", "train.data: expected a string, got a map");
  check("data: null", "train.data: missing required key (a string: training set)");
  check("schedule: linear", "train.schedule: expected one of cosine, constant, got 'linear'");
  const auto list = (dir / "l.yaml").string();
  amem::testing::write_file(list, "train: {data: d}\neval: {ks: [1, x]}\n");
  EXPECT_EQ(error_of(schema, list),
            list + ": eval.ks: expected a list of integers, got an item 'x'");
}

// Ranges beyond a minimum (issue 12, item 7): an upper bound (inclusive or not), a sentinel
// value outside the range, ranges over the elements of number lists, and floats that must be
// finite; `amem config keys` shows the same range.
TEST(ConfigSchema, RangesBoundBothSidesAllowASentinelCoverListsAndRefuseNonFiniteFloats) {
  Schema schema;
  schema.section("s", "ranges")
      .field<double>("fraction", 0.5, "a share")
      .at_least(0)
      .at_most(1)
      .field<double>("dropout", 0.0, "a probability below 1")
      .at_least(0)
      .below(1)
      .field<int64_t>("count", -1, "a count; -1: all")
      .at_least(1)
      .or_exactly(-1)
      .field<std::vector<int64_t>>("windows", {2}, "windows")
      .at_least(2)
      .field<double>("free", 1.0, "any finite number");
  const auto dir = amem::testing::fresh_dir("ConfigSchema_Ranges");
  const auto file = (dir / "x.yaml").string();
  amem::testing::write_file(file, "s: {}\n");
  auto check = [&](const std::string& override_text, const std::string& expected) {
    EXPECT_EQ(error_of(schema, file, {"++s." + override_text}),
              "override '++s." + override_text + "': s." + expected);
  };
  check("fraction=2", "fraction: must be in [0, 1], got 2.0");
  check("fraction=-0.5", "fraction: must be in [0, 1], got -0.5");
  check("dropout=1", "dropout: must be >= 0 and < 1, got 1.0");
  check("count=0", "count: must be >= 1 (or -1), got 0");
  check("count=-5", "count: must be >= 1 (or -1), got -5");
  check("windows=[2, 1]", "windows: element 2 must be >= 2, got 1");
  check("free=.inf", "free: must be a finite number, got .inf");
  check("free=.nan", "free: must be a finite number, got .nan");
  check("fraction=-.inf", "fraction: must be a finite number, got -.inf");
  EXPECT_EQ(error_of(schema, file, {"++s.count=-1", "++s.fraction=1", "++s.dropout=0.99", "++s.windows=[2, 8]"}),
            "<no error>");
  EXPECT_EQ(amem::config::describe_range(*schema.find("s.dropout")), ">= 0 and < 1");
  EXPECT_EQ(amem::config::describe_range(*schema.find("s.free")), "");
}

TEST(ConfigSchema, MissingRequiredKeyNamesTheFile) {
  const auto dir = amem::testing::fresh_dir("ConfigSchema_MissingRequiredKeyNamesTheFile");
  const auto file = (dir / "x.yaml").string();
  amem::testing::write_file(file, "train: {lr: 0.1}\n");
  EXPECT_EQ(error_of(test_schema(), file),
            file + ": train.data: missing required key (a string: training set)");
}

TEST(ConfigSchema, DeclaringTwiceIsAProgrammingError) {
  Schema schema;
  auto& section = schema.section("a", "");
  section.field<int64_t>("x", 1, "");
  EXPECT_THROW(section.field<int64_t>("x", 2, ""), std::logic_error);
  EXPECT_THROW(schema.section("a", ""), std::logic_error);
  EXPECT_THROW(schema.section("b", "").positive(), std::logic_error);
}

}  // namespace

TEST(ConfigSchema, ASetValueDoesNotBecomeTheDefaultOfLaterConfigs) {
  const auto dir = amem::testing::fresh_dir("ConfigSchema_SetValueIsNotDefault");
  const auto set = (dir / "set.yaml").string(), unset = (dir / "unset.yaml").string();
  amem::testing::write_file(set, "train: {lr: 3e-5, data: d.json, max_tokens: 64}\n");
  amem::testing::write_file(unset, "train: {data: d.json}\n");
  const Schema schema = test_schema();
  EXPECT_DOUBLE_EQ(load_config(schema, set).get<double>("train.lr"), 3e-5);
  const Config later = load_config(schema, unset);
  EXPECT_DOUBLE_EQ(later.get<double>("train.lr"), 1e-4);
  EXPECT_TRUE(later.is_null("train.max_tokens"));
}
