#include "amem/data/squad_csv_reader.h"

#include "amem/core/error.h"
#include "amem/data/answer_rules.h"
#include "amem/data/csv_reader.h"
#include "amem/data/python_literal.h"
#include "csv_records.h"

namespace amem::data {

namespace {

// The answer texts of an `answers` cell; throws amem::Error saying what is wrong.
std::vector<std::string> parse_answers_cell(const std::string& cell) {
  const PythonLiteral value = parse_python_literal(cell);
  const PythonLiteral* list = value.kind == PythonLiteral::Kind::dict ? value.find("text") : &value;
  if (list == nullptr || list->kind != PythonLiteral::Kind::list) {
    throw Error("expected {'text': [...], ...} or a list of strings");
  }
  std::vector<std::string> texts;
  for (const auto& item : list->items) {
    if (item.kind != PythonLiteral::Kind::string) throw Error("an answer that is not a string");
    texts.push_back(item.text);
  }
  return texts;
}

}  // namespace

QADataset read_squad_csv(const std::string& path, const SquadOptions& options) {
  CsvReader csv = CsvReader::open(path);
  const std::size_t title_column = csv.column("title");
  const std::size_t context_column = csv.column("context");
  const std::size_t question_column = csv.column("question");
  const std::size_t answers_column = csv.column("answers");
  const auto id_column = csv.find_column("id");
  QADatasetBuilder builder(path);
  auto& report = builder.report();

  for_each_complete_record(
      csv, report,
      [&](const CsvRecord& record) {
        const std::string& context = record.fields[context_column];
        std::string question = strip_whitespace(record.fields[question_column]);
        if (strip_whitespace(context).empty())
          return add_bad_record(report, record, RowProblem::empty_text, "column 'context'");
        if (question.empty()) return add_bad_record(report, record, RowProblem::empty_question, "column 'question'");
        std::vector<std::string> answers;
        try {
          answers = drop_blank_answers(parse_answers_cell(record.fields[answers_column]));
        } catch (const Error& e) {
          return add_bad_record(report, record, RowProblem::bad_value, std::string("column 'answers': ") + e.what());
        }
        if (answers.empty()) return add_bad_record(report, record, RowProblem::empty_answers, "column 'answers'");

        const std::string line_id = "line " + std::to_string(record.line);
        const std::string& title = record.fields[title_column];
        Question entry{id_column ? record.fields[*id_column] : line_id,
                       std::move(question),
                       {},
                       squad_target(answers),
                       record.line};
        entry.answers = std::move(answers);
        builder.add(Document{line_id, title, title, context, {}}, std::move(entry));
      },
      options.first_row, options.end_row);
  return std::move(builder).finish(options.limits);
}

}  // namespace amem::data
