// The sample files shipped in data/: each reads cleanly, and gives the documents and targets
// that the reference's rules give (expected values computed by applying CaMeLS/MAC's get_qa
// and drop_duplicates rules in Python to the same files).
#include <gtest/gtest.h>

#include "amem/data/qa_dataset_reader.h"

using namespace amem::data;
using Strings = std::vector<std::string>;

namespace {

const std::string kData = std::string(AMEM_SOURCE_DIR) + "/data/";

Strings targets(const QADataset& dataset) {
  Strings result;
  for (const auto& document : dataset.documents) {
    for (const auto& question : document.questions) result.push_back(question.target);
  }
  return result;
}

}  // namespace

TEST(SampleData, StreamingQASplits) {
  const QADataset train = read_qa_dataset({"streamingqa", kData + "streamingqa-sample/train.csv", {0.0}});
  EXPECT_EQ(train.documents.size(), 5u);
  EXPECT_EQ(targets(train),
            (Strings{"Elsa Brandt", "40,000", "Tamsk", "Mara Ilves", "Dunmere", "3 days", "Jonas Feld"}));
  const QADataset val = read_qa_dataset({"streamingqa", kData + "streamingqa-sample/val.csv", {0.0}});
  EXPECT_EQ(targets(val), (Strings{"landslide", "Salt & Ash"}));
  const QADataset test = read_qa_dataset({"streamingqa", kData + "streamingqa-sample/test.csv", {0.0}});
  EXPECT_EQ(test.documents.size(), 4u);
  EXPECT_EQ(targets(test), (Strings{"Ines Varga", "62%", "Line 7", "February 2021", "Lune"}));
  EXPECT_EQ(test.documents[1].questions[0].answers, (Strings{"Line 7", "\"Line 7\""}));
}

TEST(SampleData, ArchivalQASplits) {
  const QADataset train = read_qa_dataset({"archivalqa", kData + "archivalqa-sample/train.csv", {0.0}});
  Strings ids;
  for (const auto& document : train.documents) ids.push_back(document.id);
  EXPECT_EQ(ids, (Strings{"1001#0", "1002#0", "1001#1", "1002#1", "1001#2"}));
  EXPECT_EQ(targets(train), (Strings{"A plan to rebuild the north harbor", "Pell Street School", "Lena Moss",
                                     "Its own teacher, Ruth Kane", "Three years"}));
  const QADataset test = read_qa_dataset({"archivalqa", kData + "archivalqa-sample/test.csv", {0.0}});
  EXPECT_EQ(test.documents.size(), 5u);
  EXPECT_EQ(targets(test), (Strings{"Maritime history", "Ana Roda", "A restored fishing boat from 1910", "From 1910",
                                    "1988", "Free"}));
  DatasetSource full{"archivalqa", kData + "archivalqa-sample/test.csv", {0.0}};
  full.full_passage = true;
  const QADataset articles = read_qa_dataset(full);
  ASSERT_EQ(articles.documents.size(), 2u);
  EXPECT_EQ(articles.documents[0].questions.size(), 4u);
  EXPECT_EQ(articles.documents[1].questions.size(), 2u);
  EXPECT_EQ(read_qa_dataset({"archivalqa", kData + "archivalqa-sample/val.csv", {0.0}}).question_count(), 2u);
}

TEST(SampleData, SquadFlatCsvMatchesTheJsonItWasWrittenFrom) {
  // The CSV holds the first two paragraphs (55 questions) of the dev sample as pandas writes
  // Hugging Face rows: an index column, then id, title, context, question, answers.
  const QADataset csv = read_qa_dataset({"squad", kData + "squad-sample/dev-v1.1-superbowl50-first2.csv", {0.0}});
  DatasetSource json_source{"squad", kData + "squad-sample/dev-v1.1-superbowl50.json", {0.0}};
  json_source.end_row = 55;
  const QADataset json = read_qa_dataset(json_source);
  ASSERT_EQ(csv.documents.size(), 2u);
  ASSERT_EQ(json.documents.size(), 2u);
  EXPECT_EQ(csv.question_count(), 55u);
  for (std::size_t d = 0; d < 2; ++d) {
    const Document& a = csv.documents[d];
    const Document& b = json.documents[d];
    EXPECT_EQ(a.text, b.text);
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.group, b.group);
    ASSERT_EQ(a.questions.size(), b.questions.size());
    for (std::size_t q = 0; q < a.questions.size(); ++q) {
      EXPECT_EQ(a.questions[q].id, b.questions[q].id);
      EXPECT_EQ(a.questions[q].text, b.questions[q].text);
      EXPECT_EQ(a.questions[q].answers, b.questions[q].answers);
      EXPECT_EQ(a.questions[q].target, b.questions[q].target);
    }
  }
}
