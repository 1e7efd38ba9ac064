#include "amem/config/compose.h"

#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "support/temp_dir.h"

namespace {

using amem::config::compose_file;
using amem::config::ConfigTree;

// The scalar at a dotted key, or "<absent>".
std::string at(const ConfigTree& tree, const std::string& key) {
  YAML::Node node;
  node.reset(tree.root());
  for (const auto& part : amem::config::split_key(key, "test")) {
    const YAML::Node& current = node;
    if (!current.IsMap() || !current[part]) return "<absent>";
    node.reset(current[part]);
  }
  return node.IsNull() ? "<null>" : node.IsScalar() ? node.Scalar() : "<not a scalar>";
}

std::string error_of(const std::string& path) {
  try {
    compose_file(path);
  } catch (const amem::ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(ConfigCompose, BaseFirstThenFileWithNestedMerge) {
  const auto dir = amem::testing::fresh_dir("ConfigCompose_BaseFirstThenFileWithNestedMerge");
  amem::testing::write_file(dir / "base.yaml", "a: {x: 1, y: 2}\nlist: [1, 2, 3]\nname: base\n");
  const auto file = (dir / "exp.yaml").string();
  amem::testing::write_file(file, "defaults: [base]\na: {y: 20, z: 30}\nlist: [9]\n");
  const ConfigTree tree = compose_file(file);
  EXPECT_EQ(at(tree, "a.x"), "1");   // kept from the base
  EXPECT_EQ(at(tree, "a.y"), "20");  // the file wins
  EXPECT_EQ(at(tree, "a.z"), "30");  // added by the file
  EXPECT_EQ(at(tree, "name"), "base");
  ASSERT_TRUE(tree.root()["list"].IsSequence());
  EXPECT_EQ(tree.root()["list"].size(), 1u);  // sequences replace, never concatenate
  EXPECT_EQ(tree.root()["list"][0].Scalar(), "9");
  EXPECT_FALSE(tree.contains("defaults"));
  EXPECT_EQ(tree.source_of("a.x"), (dir / "base.yaml").string());
  EXPECT_EQ(tree.source_of("a.y"), file);
}

TEST(ConfigCompose, LaterBasesWinAndMapReplacesScalar) {
  const auto dir = amem::testing::fresh_dir("ConfigCompose_LaterBasesWinAndMapReplacesScalar");
  amem::testing::write_file(dir / "one.yaml", "k: 1\nm: scalar\nonly_one: a\n");
  amem::testing::write_file(dir / "two.yaml", "k: 2\nm: {inner: 1}\n");
  const auto file = (dir / "exp.yaml").string();
  amem::testing::write_file(file, "defaults:\n  - one\n  - two.yaml\n");
  const ConfigTree tree = compose_file(file);
  EXPECT_EQ(at(tree, "k"), "2");
  EXPECT_EQ(at(tree, "m.inner"), "1");
  EXPECT_EQ(at(tree, "only_one"), "a");
}

TEST(ConfigCompose, MultiLevelDefaultsRelativeToEachFile) {
  const auto dir = amem::testing::fresh_dir("ConfigCompose_MultiLevelDefaultsRelativeToEachFile");
  amem::testing::write_file(dir / "base/run.yaml", "run: {name: base, seed: 0, level: info}\n");
  amem::testing::write_file(dir / "base/train.yaml",
                            "defaults: [run]\nrun: {seed: 1}\ntrain: {lr: 0.1}\n");
  const auto file = (dir / "examples/exp.yaml").string();
  amem::testing::write_file(file, "defaults: [../base/train]\nrun: {name: exp}\n");
  const ConfigTree tree = compose_file(file);
  EXPECT_EQ(at(tree, "run.name"), "exp");
  EXPECT_EQ(at(tree, "run.seed"), "1");
  EXPECT_EQ(at(tree, "run.level"), "info");
  EXPECT_EQ(at(tree, "train.lr"), "0.1");
  EXPECT_EQ(tree.source_of("run.level"), (dir / "base/run.yaml").string());
}

TEST(ConfigCompose, EmptyFileAndNullValues) {
  const auto dir = amem::testing::fresh_dir("ConfigCompose_EmptyFileAndNullValues");
  amem::testing::write_file(dir / "empty.yaml", "");
  const auto file = (dir / "exp.yaml").string();
  amem::testing::write_file(file, "defaults: [empty]\nx: null\n");
  const ConfigTree tree = compose_file(file);
  EXPECT_EQ(at(tree, "x"), "<null>");
}

TEST(ConfigCompose, IncludeCycleIsAnErrorNamingTheChain) {
  const auto dir = amem::testing::fresh_dir("ConfigCompose_IncludeCycleIsAnErrorNamingTheChain");
  const auto a = (dir / "a.yaml").string();
  amem::testing::write_file(a, "defaults: [b]\nx: 1\n");
  amem::testing::write_file(dir / "b.yaml", "defaults: [a]\ny: 1\n");
  const std::string message = error_of(a);
  EXPECT_NE(message.find("include cycle"), std::string::npos) << message;
  EXPECT_NE(message.find("a.yaml -> b.yaml -> a.yaml"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);

  const auto self = (dir / "self.yaml").string();
  amem::testing::write_file(self, "defaults: [self]\n");
  EXPECT_NE(error_of(self).find("self.yaml -> self.yaml"), std::string::npos);
}

TEST(ConfigCompose, MissingFilesNameTheFile) {
  const auto dir = amem::testing::fresh_dir("ConfigCompose_MissingFilesNameTheFile");
  const auto file = (dir / "exp.yaml").string();
  amem::testing::write_file(file, "defaults: [base/nope]\n");
  EXPECT_EQ(error_of(file), file + ": defaults: no such file 'base/nope' (looked for " +
                                (dir / "base/nope").string() + ")");
  const auto top = (dir / "absent.yaml").string();
  EXPECT_EQ(error_of(top), top + ": no such config file");
}

TEST(ConfigCompose, MalformedFilesAreOneLineErrors) {
  const auto dir = amem::testing::fresh_dir("ConfigCompose_MalformedFilesAreOneLineErrors");
  const auto syntax = (dir / "syntax.yaml").string();
  amem::testing::write_file(syntax, "a: 1\nb: [1, 2\n");
  EXPECT_EQ(error_of(syntax).rfind(syntax + ":3:", 0), 0u) << error_of(syntax);
  const auto list = (dir / "list.yaml").string();
  amem::testing::write_file(list, "- 1\n- 2\n");
  EXPECT_EQ(error_of(list), list + ": expected a map of keys at the top level");
  const auto twice = (dir / "twice.yaml").string();
  amem::testing::write_file(twice, "a:\n  x: 1\n  x: 2\n");
  EXPECT_EQ(error_of(twice), twice + ": a.x: duplicate key");
  const auto defaults = (dir / "defaults.yaml").string();
  amem::testing::write_file(defaults, "defaults: base\n");
  EXPECT_EQ(error_of(defaults), defaults + ": defaults: expected a list of base files");
}

}  // namespace
