// Every kind of malformed row, in every reader: counted, located, and fatal past the limit.
#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "amem/data/archivalqa_reader.h"
#include "amem/data/squad_csv_reader.h"
#include "amem/data/squad_json_reader.h"
#include "amem/data/streamingqa_reader.h"
#include "support/temp_dir.h"

using namespace amem::data;
using amem::testing::fresh_dir;
using amem::testing::write_file;

namespace {

const ReadLimits kAcceptAll{1.0};

// (problem, line) of each bad row, in file order.
std::vector<std::pair<RowProblem, std::size_t>> bad_lines(const ReadReport& report) {
  std::vector<std::pair<RowProblem, std::size_t>> result;
  for (const auto& row : report.bad_rows) result.emplace_back(row.problem, row.line);
  return result;
}

using Lines = std::vector<std::pair<RowProblem, std::size_t>>;

const char* kBadStreamingQA =
    "question,answers,text\n"               // 1
    "Q1?,a1,doc one\n"                      // 2 good
    "Q2?,a2\n"                              // 3 missing columns
    "Q3?,a3,doc three,extra\n"              // 4 extra columns
    "  ,a4,doc four\n"                      // 5 empty question
    "Q5?,\\ ,doc five\n"                    // 6 empty answers (both alternatives blank)
    "Q6?,a6,\"\"\n"                         // 7 empty text
    "\"Q7?\"x,a7,doc seven\n"               // 8 text after a closing quote
    "Q8?,a8,doc eight\n"                    // 9 good
    "Q9?,a9,\"never closed\nstill open\n";  // 10-11 unterminated quote

}  // namespace

TEST(MalformedRows, StreamingQAEachKindCountedWithItsLine) {
  auto dir = fresh_dir("malformed_streamingqa");
  const auto path = (dir / "bad.csv").string();
  write_file(path, kBadStreamingQA);
  QADataset dataset = read_streamingqa_csv(path, kAcceptAll);
  EXPECT_EQ(dataset.report.file, path);
  EXPECT_EQ(dataset.report.records, 9u);
  EXPECT_EQ(dataset.report.bad_count(), 7u);
  EXPECT_EQ(bad_lines(dataset.report), (Lines{{RowProblem::missing_columns, 3},
                                              {RowProblem::extra_columns, 4},
                                              {RowProblem::empty_question, 5},
                                              {RowProblem::empty_answers, 6},
                                              {RowProblem::empty_text, 7},
                                              {RowProblem::bad_quoting, 8},
                                              {RowProblem::bad_quoting, 10}}));
  EXPECT_EQ(dataset.report.bad_count(RowProblem::bad_quoting), 2u);
  ASSERT_EQ(dataset.documents.size(), 2u);
  EXPECT_EQ(dataset.documents[0].questions[0].text, "Q1?");
  EXPECT_EQ(dataset.documents[1].questions[0].text, "Q8?");
}

TEST(MalformedRows, TooManyBadRowsIsAnErrorNamingFileAndCounts) {
  auto dir = fresh_dir("malformed_limit");
  const auto path = (dir / "bad.csv").string();
  write_file(path, kBadStreamingQA);
  try {
    read_streamingqa_csv(path);  // default limit: 1%
    FAIL() << "no error past the limit";
  } catch (const amem::Error& e) {
    EXPECT_EQ(std::string(e.what()), path +
                                         ": 7 of 9 records are malformed (77.8%), more than max_bad_fraction 0.01; "
                                         "first at line 3 (missing columns)");
  }
  EXPECT_EQ(read_streamingqa_csv(path, {7.0 / 9.0}).question_count(), 2u);  // at the limit: accepted
  EXPECT_THROW(read_streamingqa_csv(path, {0.77}), amem::Error);
}

TEST(MalformedRows, ZeroLimitRejectsOneBadRowAndAcceptsACleanFile) {
  auto dir = fresh_dir("malformed_zero");
  const auto clean = (dir / "clean.csv").string();
  write_file(clean, "question,answers,text\nQ?,a,t\n");
  EXPECT_EQ(read_streamingqa_csv(clean, {0.0}).question_count(), 1u);
  const auto one_bad = (dir / "one_bad.csv").string();
  write_file(one_bad, "question,answers,text\nQ?,a,t\nQ2?,,t\n");
  try {
    read_streamingqa_csv(one_bad, {0.0});
    FAIL();
  } catch (const amem::Error& e) {
    EXPECT_EQ(std::string(e.what()), one_bad +
                                         ": 1 of 2 records are malformed (50.0%), more than max_bad_fraction 0; "
                                         "first at line 3 (empty answers)");
  }
}

TEST(MalformedRows, ArchivalQABadParagraphNumberAndEmptyAnswer) {
  auto dir = fresh_dir("malformed_archivalqa");
  const auto path = (dir / "bad.csv").string();
  write_file(path,
             "doc_id,para_num,ans_paragraph,question,answer\n"
             "1,0,p,Q?,a\n"
             "1,two,p,Q?,a\n"
             "1,1,p1,Q?,\n"
             "1,2,,Q?,a\n"
             "1,3,p3,Q?\n");
  QADataset dataset = read_archivalqa_csv(path, {kAcceptAll, false});
  EXPECT_EQ(dataset.report.records, 5u);
  EXPECT_EQ(bad_lines(dataset.report), (Lines{{RowProblem::bad_value, 3},
                                              {RowProblem::empty_answers, 4},
                                              {RowProblem::empty_text, 5},
                                              {RowProblem::missing_columns, 6}}));
  EXPECT_NE(dataset.report.bad_rows[0].detail.find("'two' is not an integer"), std::string::npos);
  EXPECT_EQ(dataset.question_count(), 1u);
}

TEST(MalformedRows, SquadCsvUnparsableAndEmptyAnswerLists) {
  auto dir = fresh_dir("malformed_squad_csv");
  const auto path = (dir / "bad.csv").string();
  write_file(path,
             "title,context,question,answers\n"
             "T,c,Q?,\"{'text': ['a'], 'answer_start': [0]}\"\n"
             "T,c,Q?,\"{'text': array(['a'], dtype=object)}\"\n"
             "T,c,Q?,\"{'text': [], 'answer_start': []}\"\n"
             "T,c,Q?,\"{'answer_start': [0]}\"\n"
             "T,c,,\"['a']\"\n");
  QADataset dataset = read_squad_csv(path, {kAcceptAll});
  EXPECT_EQ(bad_lines(dataset.report), (Lines{{RowProblem::bad_value, 3},
                                              {RowProblem::empty_answers, 4},
                                              {RowProblem::bad_value, 5},
                                              {RowProblem::empty_question, 6}}));
  EXPECT_EQ(dataset.question_count(), 1u);
}

TEST(MalformedRows, SquadJsonBadQuestionsLocatedByPath) {
  auto dir = fresh_dir("malformed_squad_json");
  const auto path = (dir / "bad.json").string();
  write_file(path, R"({"data": [{"title": "T", "paragraphs": [
      {"context": "c", "qas": [
        {"id": "1", "question": "Q?", "answers": [{"text": "a"}]},
        {"id": "2", "question": "Q?", "answers": "a"},
        {"id": "3", "question": "  ", "answers": [{"text": "a"}]},
        {"id": "4", "question": "Q?", "answers": []},
        {"id": "5", "answers": [{"text": "a"}]},
        7]},
      {"context": " ", "qas": [{"id": "6", "question": "Q?", "answers": [{"text": "a"}]}]}]}]})");
  QADataset dataset = read_squad_json(path, {kAcceptAll});
  EXPECT_EQ(dataset.report.records, 7u);
  ASSERT_EQ(dataset.report.bad_count(), 6u);
  const auto& bad = dataset.report.bad_rows;
  const std::vector<std::pair<RowProblem, std::string>> expected = {
      {RowProblem::bad_value, "data[0].paragraphs[0].qas[1]"},
      {RowProblem::empty_question, "data[0].paragraphs[0].qas[2]"},
      {RowProblem::empty_answers, "data[0].paragraphs[0].qas[3]"},
      {RowProblem::bad_value, "data[0].paragraphs[0].qas[4]"},
      {RowProblem::bad_value, "data[0].paragraphs[0].qas[5]"},
      {RowProblem::empty_text, "data[0].paragraphs[1].qas[0]"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(bad[i].problem, expected[i].first) << i;
    EXPECT_EQ(bad[i].where, expected[i].second) << i;
  }
  try {
    read_squad_json(path);
    FAIL();
  } catch (const amem::Error& e) {
    EXPECT_EQ(std::string(e.what()), path +
                                         ": 6 of 7 records are malformed (85.7%), more than max_bad_fraction 0.01; "
                                         "first at data[0].paragraphs[0].qas[1] (bad value)");
  }
}
