#include "amem/data/streamingqa_reader.h"

#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "support/temp_dir.h"

using namespace amem::data;
using amem::testing::fresh_dir;
using amem::testing::write_file;
using Strings = std::vector<std::string>;

TEST(StreamingQAReader, ReadsDocumentsQuestionsAnswersAndTargets) {
  auto dir = fresh_dir("streamingqa_read");
  const auto path = (dir / "test.csv").string();
  // Answers are separated by one backslash. The third row repeats the first document, so it
  // is the same document with a second question.
  write_file(path,
             "qa_id,question,answers,text\n"
             "q1,  Who won the 2018 final? ,France\\Les Bleus\\the French team,\"Doc one, about football.\"\n"
             "q2,When did it open?,in 2019\\2019\\ 2019,\"Doc two.\nSecond line.\"\n"
             "q3,Who lost?,Croatia,\"Doc one, about football.\"\n");
  QADataset dataset = read_streamingqa_csv(path);
  ASSERT_EQ(dataset.documents.size(), 2u);
  EXPECT_EQ(dataset.question_count(), 3u);
  EXPECT_EQ(dataset.report.records, 3u);
  EXPECT_EQ(dataset.report.bad_count(), 0u);

  const Document& one = dataset.documents[0];
  EXPECT_EQ(one.text, "Doc one, about football.");
  EXPECT_EQ(one.id, "line 2");
  EXPECT_EQ(one.group, "line 2");
  ASSERT_EQ(one.questions.size(), 2u);
  EXPECT_EQ(one.questions[0].text, "Who won the 2018 final?");
  EXPECT_EQ(one.questions[0].answers, (Strings{"France", "Les Bleus", "the French team"}));
  EXPECT_EQ(one.questions[0].target, "France");
  EXPECT_EQ(one.questions[0].line, 2u);
  EXPECT_EQ(one.questions[1].text, "Who lost?");
  EXPECT_EQ(one.questions[1].target, "Croatia");
  EXPECT_EQ(one.questions[1].line, 5u);  // row 2 spans lines 3-4

  const Document& two = dataset.documents[1];
  EXPECT_EQ(two.text, "Doc two.\nSecond line.");
  ASSERT_EQ(two.questions.size(), 1u);
  EXPECT_EQ(two.questions[0].answers, (Strings{"in 2019", "2019", " 2019"}));
  // "2019" (4 characters) is the shortest; the target is neither stripped nor capitalised.
  EXPECT_EQ(two.questions[0].target, "2019");
}

TEST(StreamingQAReader, MissingColumnAndMissingFileAreOneLineErrors) {
  auto dir = fresh_dir("streamingqa_errors");
  const auto path = (dir / "no_answers.csv").string();
  write_file(path, "question,text\nq,t\n");
  try {
    read_streamingqa_csv(path);
    FAIL();
  } catch (const amem::Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": missing required column 'answers' in the header");
  }
  EXPECT_THROW(read_streamingqa_csv((dir / "absent.csv").string()), amem::Error);
}
