#include "amem/data/archivalqa_reader.h"

#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "support/temp_dir.h"

using namespace amem::data;
using amem::testing::fresh_dir;
using amem::testing::write_file;
using Strings = std::vector<std::string>;

namespace {

// Two articles; rows out of paragraph order, one paragraph asked about twice.
const char* kArchival =
    "question,answer,para_id,doc_id,title,para_num,ans_paragraph,ans_text\n"
    "Which bridge reopened?,the old bridge,100_2,100,Bridge news,2,P2 of 100.,\"P0 of 100.\nP1 of 100.\nP2 of 100.\"\n"
    "Who opened the fair?,mayor Smith,200_0,200,Fair,0,P0 of 200.,P0 of 200.\n"
    " What closed? ,the mill,100_0,100,Bridge news,0,P0 of 100.,\"P0 of 100.\nP1 of 100.\nP2 of 100.\"\n"
    "When did it reopen?,1995,100_2,100,Bridge news,2,P2 of 100.,\"P0 of 100.\nP1 of 100.\nP2 of 100.\"\n";

}  // namespace

TEST(ArchivalQAReader, ParagraphDocumentsInParagraphOrderWithCapitalisedTargets) {
  auto dir = fresh_dir("archivalqa_read");
  const auto path = (dir / "test.csv").string();
  write_file(path, kArchival);
  QADataset dataset = read_archivalqa_csv(path);
  // Rows are stably sorted by para_num: the two para 0 rows (lines 5 and 6) come first, in
  // file order, then the two rows about paragraph 2 of article 100 (lines 2 and 9).
  ASSERT_EQ(dataset.documents.size(), 3u);
  EXPECT_EQ(dataset.documents[0].id, "200#0");
  EXPECT_EQ(dataset.documents[1].id, "100#0");
  EXPECT_EQ(dataset.documents[2].id, "100#2");
  EXPECT_EQ(dataset.documents[1].group, "100");
  EXPECT_EQ(dataset.documents[1].title, "Bridge news");
  EXPECT_EQ(dataset.documents[1].text, "P0 of 100.");

  const auto& fair = dataset.documents[0].questions;
  ASSERT_EQ(fair.size(), 1u);
  EXPECT_EQ(fair[0].answers, (Strings{"mayor Smith"}));
  EXPECT_EQ(fair[0].target, "Mayor Smith");
  EXPECT_EQ(fair[0].line, 5u);  // the first row's ans_text spans lines 2-4

  const auto& closed = dataset.documents[1].questions;
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].text, "What closed?");
  EXPECT_EQ(closed[0].target, "The mill");
  EXPECT_EQ(closed[0].line, 6u);

  const auto& bridge = dataset.documents[2].questions;
  ASSERT_EQ(bridge.size(), 2u);
  EXPECT_EQ(bridge[0].target, "The old bridge");
  EXPECT_EQ(bridge[0].line, 2u);
  EXPECT_EQ(bridge[1].target, "1995");
  EXPECT_EQ(bridge[1].line, 9u);
}

TEST(ArchivalQAReader, FullPassageDocumentsAreArticles) {
  auto dir = fresh_dir("archivalqa_full");
  const auto path = (dir / "test.csv").string();
  write_file(path, kArchival);
  QADataset dataset = read_archivalqa_csv(path, {{}, true});
  ASSERT_EQ(dataset.documents.size(), 2u);
  EXPECT_EQ(dataset.documents[0].id, "200");
  EXPECT_EQ(dataset.documents[1].id, "100");
  EXPECT_EQ(dataset.documents[1].text, "P0 of 100.\nP1 of 100.\nP2 of 100.");
  ASSERT_EQ(dataset.documents[1].questions.size(), 3u);
  // Questions in paragraph order: para 0 first, then the two on para 2 in file order.
  EXPECT_EQ(dataset.documents[1].questions[0].text, "What closed?");
  EXPECT_EQ(dataset.documents[1].questions[1].text, "Which bridge reopened?");
  EXPECT_EQ(dataset.documents[1].questions[2].text, "When did it reopen?");
}

TEST(ArchivalQAReader, FullPassageNeedsTheAnsTextColumn) {
  auto dir = fresh_dir("archivalqa_columns");
  const auto path = (dir / "test.csv").string();
  write_file(path, "question,answer,doc_id,para_num,ans_paragraph\nq,a,1,0,p\n");
  EXPECT_EQ(read_archivalqa_csv(path).question_count(), 1u);
  try {
    read_archivalqa_csv(path, {{}, true});
    FAIL();
  } catch (const amem::Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": missing required column 'ans_text' in the header");
  }
}
