#include "amem/config/overrides.h"

#include <gtest/gtest.h>

#include "amem/config/config.h"
#include "amem/config/schema.h"
#include "amem/core/error.h"
#include "support/temp_dir.h"

namespace {

using amem::config::load_config;
using amem::config::Schema;

Schema test_schema() {
  Schema schema;
  schema.section("train", "")
      .field<double>("lr", 1e-4, "")
      .field<std::vector<int64_t>>("list", {}, "")
      .optional<int64_t>("limit", "")
      .field<std::string>("s", "", "")
      .field<std::string>("extra", "none", "");
  return schema;
}

class ConfigOverrides : public ::testing::Test {
 protected:
  std::string error_of(const std::vector<std::string>& overrides) {
    try {
      load_config(schema_, file_, overrides);
    } catch (const amem::ConfigError& e) {
      return e.what();
    }
    return "<no error>";
  }

  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    file_ = (amem::testing::fresh_dir(std::string("ConfigOverrides_") + test->name()) / "x.yaml")
                .string();
    amem::testing::write_file(file_, "train: {lr: 0.1, list: [5], limit: 3, s: abc}\n");
  }

  Schema schema_ = test_schema();
  std::string file_;
};

TEST_F(ConfigOverrides, ValuesAreParsedAsYaml) {
  const auto config = load_config(
      schema_, file_, {"train.lr=1e-5", "train.list=[1,2]", "train.limit=null", "train.s=\"12\""});
  EXPECT_DOUBLE_EQ(config.get<double>("train.lr"), 1e-5);
  EXPECT_EQ(config.get<std::vector<int64_t>>("train.list"), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(config.is_null("train.limit"));
  EXPECT_EQ(config.get<std::string>("train.s"), "12");
  EXPECT_EQ(load_config(schema_, file_, {"train.s="}).get<std::string>("train.s"), "");
  // Later overrides win.
  EXPECT_DOUBLE_EQ(
      load_config(schema_, file_, {"train.lr=1", "train.lr=2"}).get<double>("train.lr"), 2.0);
}

TEST_F(ConfigOverrides, UnknownKeyNeedsPlus) {
  // A key the schema does not declare is unknown, `+` or not (a `+` hint would fail the same way);
  // the closest declared key is suggested.
  EXPECT_EQ(error_of({"train.extar=x"}), "override 'train.extar=x': train.extar: unknown key (train has: lr, list, "
                                         "limit, s, extra); did you mean train.extra?");
  EXPECT_EQ(load_config(schema_, file_, {"+train.extra=x"}).get<std::string>("train.extra"), "x");
  EXPECT_EQ(error_of({"+train.lr=1"}),
            "override '+train.lr=1': train.lr: already set (write train.lr=... to change it)");
  EXPECT_EQ(load_config(schema_, file_, {"++train.lr=1", "++train.extra=y"})
                .get<std::string>("train.extra"),
            "y");
  // Added keys are still checked against the schema, and errors name the override.
  EXPECT_EQ(error_of({"+train.typo=1"}),
            "override '+train.typo=1': train.typo: unknown key (train has: lr, list, limit, s, "
            "extra)");
  EXPECT_EQ(error_of({"train.lr=fast"}),
            "override 'train.lr=fast': train.lr: expected a number, got 'fast'");
}

// Documented spellings such as `train.resume=<run>/checkpoint`: a key the schema declares needs no
// `+` when the files leave it out (its default, here null, is what the files "set").
TEST_F(ConfigOverrides, PlainSpellingSetsADeclaredKeyTheFilesLeaveOut) {
  amem::testing::write_file(file_, "train: {lr: 0.1}\n");
  const auto config = load_config(schema_, file_, {"train.limit=7", "train.extra=x"});
  EXPECT_EQ(config.get<int64_t>("train.limit"), 7);
  EXPECT_EQ(config.get<std::string>("train.extra"), "x");
  EXPECT_EQ(load_config(schema_, file_, {"+train.limit=8"}).get<int64_t>("train.limit"), 8);
}

TEST_F(ConfigOverrides, TildeDeletesAndTheDefaultReturns) {
  EXPECT_DOUBLE_EQ(load_config(schema_, file_, {"~train.lr"}).get<double>("train.lr"), 1e-4);
  EXPECT_EQ(error_of({"~train.extra"}),
            "override '~train.extra': train.extra: no such key to delete");
  EXPECT_EQ(error_of({"~train.lr=1"}),
            "override '~train.lr=1': a deletion takes no value (write ~key)");
}

TEST_F(ConfigOverrides, MalformedOverrides) {
  EXPECT_EQ(error_of({"train.lr"}), "override 'train.lr': expected key=value, +key=value or ~key");
  EXPECT_EQ(error_of({"train..lr=1"}), "override 'train..lr=1': 'train..lr' is not a valid key");
  EXPECT_EQ(
      error_of({"train.list=[1,"}).rfind("override 'train.list=[1,': cannot parse the value: ", 0),
      0u);
  EXPECT_EQ(error_of({"train.lr.x=1"}),
            "override 'train.lr.x=1': train.lr.x: 'train.lr' holds a value, not a map of keys");
  EXPECT_EQ(error_of({"+train.lr.x=1"}),
            "override '+train.lr.x=1': train.lr.x: 'train.lr' holds a value, not a map of keys");
}

}  // namespace
