#include "amem/eval/squad_metric.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "amem/core/error.h"

using namespace amem::eval;

TEST(SquadMetric, HandWorkedScores) {
  EXPECT_EQ(normalize_answer("The  Denver Broncos!"), "denver broncos");
  // prediction {broncos}, gold {denver, broncos}: precision 1, recall 1/2 -> F1 2/3.
  EXPECT_DOUBLE_EQ(f1_score("the Broncos", "Denver Broncos"), 2.0 / 3.0);
  // Multiset overlap: {cat, cat, dog} vs {cat, dog, dog} share one cat and one dog.
  EXPECT_DOUBLE_EQ(f1_score("cat cat dog", "cat dog dog"), 2.0 / 3.0);
  EXPECT_EQ(exact_match("an apple, a day", "Apple day"), 1.0);
  // Articles are whole words only; unicode punctuation is not in string.punctuation.
  EXPECT_EQ(normalize_answer("theatre anthem"), "theatre anthem");
  EXPECT_EQ(normalize_answer("24\u201310"), "24\u201310");
  // Empty prediction: EM against an empty gold, but never F1 (official v1.1 behaviour).
  EXPECT_EQ(exact_match("", ""), 1.0);
  EXPECT_EQ(f1_score("", ""), 0.0);
  EXPECT_EQ(f1_score("", "Santa Clara"), 0.0);
  // Maximum over gold answers.
  auto s = score_answer("Broncos", {"Carolina Panthers", "Denver Broncos", "the broncos"});
  EXPECT_EQ(s.exact_match, 1.0);
  EXPECT_EQ(s.f1, 1.0);
  EXPECT_THROW(score_answer("x", {}), amem::Error);
}

TEST(SquadMetric, MatchesOfficialScriptOnGoldenCases) {
  std::ifstream in(AMEM_TEST_DATA_DIR "/metrics/squad_goldens.json");
  ASSERT_TRUE(in) << "missing tests/data/metrics/squad_goldens.json";
  const auto golden = nlohmann::json::parse(in);
  ASSERT_GE(golden["cases"].size(), 20u);
  for (const auto& c : golden["cases"]) {
    const auto prediction = c["prediction"].get<std::string>();
    const auto golds = c["golds"].get<std::vector<std::string>>();
    EXPECT_EQ(normalize_answer(prediction), c["normalized_prediction"].get<std::string>()) << prediction;
    const auto score = score_answer(prediction, golds);
    EXPECT_EQ(score.exact_match, c["exact_match"].get<double>()) << prediction;
    EXPECT_NEAR(score.f1, c["f1"].get<double>(), 1e-15) << prediction;
  }
}
