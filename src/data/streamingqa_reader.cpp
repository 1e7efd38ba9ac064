#include "amem/data/streamingqa_reader.h"

#include "amem/data/answer_rules.h"
#include "amem/data/csv_reader.h"
#include "csv_records.h"

namespace amem::data {

namespace {

constexpr char kAnswerSeparator = '\\';

std::vector<std::string> split_answers(const std::string& cell) {
  std::vector<std::string> answers;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = cell.find(kAnswerSeparator, begin);
    answers.push_back(cell.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) return drop_blank_answers(std::move(answers));
    begin = end + 1;
  }
}

}  // namespace

QADataset read_streamingqa_csv(const std::string& path, const ReadLimits& limits) {
  CsvReader csv = CsvReader::open(path);
  const std::size_t text_column = csv.column("text");
  const std::size_t question_column = csv.column("question");
  const std::size_t answers_column = csv.column("answers");
  QADatasetBuilder builder(path);
  auto& report = builder.report();

  for_each_complete_record(csv, report, [&](const CsvRecord& record) {
    const std::string& text = record.fields[text_column];
    std::string question = strip_whitespace(record.fields[question_column]);
    std::vector<std::string> answers = split_answers(record.fields[answers_column]);
    if (strip_whitespace(text).empty()) return add_bad_record(report, record, RowProblem::empty_text, "column 'text'");
    if (question.empty()) return add_bad_record(report, record, RowProblem::empty_question, "column 'question'");
    if (answers.empty()) return add_bad_record(report, record, RowProblem::empty_answers, "column 'answers'");

    const std::string id = "line " + std::to_string(record.line);
    Question q{id, std::move(question), {}, shortest_answer(answers), record.line};
    q.answers = std::move(answers);
    builder.add(Document{id, "", id, text, {}}, std::move(q));
  });
  return std::move(builder).finish(limits);
}

}  // namespace amem::data
