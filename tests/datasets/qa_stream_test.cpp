#include "amem/data/qa_stream.h"

#include <gtest/gtest.h>

#include <random>

#include "amem/data/seeded_shuffle.h"

using namespace amem::data;

// Expected values below come from an independent Python implementation of MT19937-64 and the
// rule documented in seeded_shuffle.h, not from this code.

TEST(SeededShuffle, EngineIsTheStandardMt19937_64) {
  std::mt19937_64 engine;  // default seed 5489
  engine.discard(9999);
  EXPECT_EQ(engine(), 9981545732273789042ull);  // fixed by the C++ standard
}

TEST(SeededShuffle, ExactOrderForFixedSeeds) {
  SeededRandom draws(42);
  std::vector<uint64_t> values;
  for (int i = 0; i < 5; ++i) values.push_back(draws.below(1000));
  EXPECT_EQ(values, (std::vector<uint64_t>{406, 824, 450, 662, 381}));

  std::vector<int> items = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  SeededRandom random42(42);
  seeded_shuffle(items, random42);
  EXPECT_EQ(items, (std::vector<int>{1, 7, 9, 0, 3, 8, 4, 2, 5, 6}));

  items = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  SeededRandom random7(7);
  seeded_shuffle(items, random7);
  EXPECT_EQ(items, (std::vector<int>{0, 7, 4, 9, 3, 1, 2, 8, 6, 5}));
}

namespace {

// Groups A..E with 2, 1, 3, 1, 2 documents; document ids "<group><index in group>".
QADataset grouped_dataset() {
  QADataset dataset;
  const std::vector<std::pair<std::string, int>> groups = {{"A", 2}, {"B", 1}, {"C", 3}, {"D", 1}, {"E", 2}};
  for (const auto& [group, count] : groups) {
    for (int i = 0; i < count; ++i) {
      const std::string id = group + std::to_string(i);
      dataset.documents.push_back({id, group, group, "text of " + id, {{"q" + id, "?", {"a"}, "a", 0}}});
    }
  }
  return dataset;
}

std::vector<std::string> ids(const QADataset& dataset) {
  std::vector<std::string> result;
  for (const auto& document : dataset.documents) result.push_back(document.id);
  return result;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST(QAStream, ShufflesGroupsKeepingEachGroupTogetherAndInOrder) {
  const QADataset dataset = grouped_dataset();
  // Groups in first-appearance order A B C D E, shuffled with seed 3: A E B D C.
  EXPECT_EQ(ids(make_stream(dataset, {true, 3, -1})), (Ids{"A0", "A1", "E0", "E1", "B0", "D0", "C0", "C1", "C2"}));
  // Seed 1: B E A C D.
  EXPECT_EQ(ids(make_stream(dataset, {true, 1, -1})), (Ids{"B0", "E0", "E1", "A0", "A1", "C0", "C1", "C2", "D0"}));
  // Same seed, same stream.
  EXPECT_EQ(ids(make_stream(dataset, {true, 1, -1})), ids(make_stream(dataset, {true, 1, -1})));
  // No shuffle: file order.
  EXPECT_EQ(ids(make_stream(dataset, {false, 1, -1})), ids(dataset));
}

TEST(QAStream, DownsampleTakesTheFirstDocumentsOfTheShuffledOrder) {
  const QADataset dataset = grouped_dataset();
  EXPECT_EQ(ids(make_stream(dataset, {true, 3, 3})), (Ids{"A0", "A1", "E0"}));
  EXPECT_EQ(ids(make_stream(dataset, {true, 1, 4})), (Ids{"B0", "E0", "E1", "A0"}));
  EXPECT_EQ(make_stream(dataset, {true, 1, 100}).documents.size(), 9u);
  EXPECT_EQ(make_stream(dataset, {true, 1, 0}).documents.size(), 9u);
  // Documents travel with their questions.
  const QADataset stream = make_stream(dataset, {true, 3, 3});
  ASSERT_EQ(stream.documents[2].questions.size(), 1u);
  EXPECT_EQ(stream.documents[2].questions[0].id, "qE0");
}

TEST(QAStream, RowsUnitKeepsTheFirstQuestionsInFileOrderWhenUnshuffled) {
  // Documents with 2, 1 and 3 questions, rows r0..r5 in file order.
  QADataset dataset;
  int row = 0;
  for (const auto& [id, questions] : std::vector<std::pair<std::string, int>>{{"A", 2}, {"B", 1}, {"C", 3}}) {
    Document document{id, "", id, "text of " + id, {}};
    for (int i = 0; i < questions; ++i) {
      const std::string r = "r" + std::to_string(row++);
      document.questions.push_back({r, "?", {"a"}, "a", 0});
    }
    dataset.documents.push_back(document);
  }
  StreamOptions options{false, 0, 4, DownsampleUnit::rows};
  // The first 4 rows: A's two, B's one, then the first of C's three (C is streamed, asked once).
  auto stream = make_stream(dataset, options);
  EXPECT_EQ(ids(stream), (Ids{"A", "B", "C"}));
  Ids questions;
  for (const auto& d : stream.documents)
    for (const auto& q : d.questions) questions.push_back(q.id);
  EXPECT_EQ(questions, (Ids{"r0", "r1", "r2", "r3"}));
  // A count that ends on a document's last row leaves out the next document.
  options.downsample_to = 3;
  EXPECT_EQ(ids(make_stream(dataset, options)), (Ids{"A", "B"}));
  EXPECT_EQ(make_stream(dataset, options).question_count(), 3u);
  // -1 keeps every row; the document unit counts documents, whole.
  options.downsample_to = -1;
  EXPECT_EQ(make_stream(dataset, options).question_count(), 6u);
  options = {false, 0, 2, DownsampleUnit::documents};
  EXPECT_EQ(make_stream(dataset, options).question_count(), 3u);
  // Rerunning gives the same stream (file order needs no seed).
  options = {false, 0, 4, DownsampleUnit::rows};
  EXPECT_EQ(ids(make_stream(dataset, options)), ids(stream));
}
