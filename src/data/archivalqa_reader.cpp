#include "amem/data/archivalqa_reader.h"

#include <algorithm>
#include <charconv>

#include "amem/data/answer_rules.h"
#include "amem/data/csv_reader.h"
#include "csv_records.h"

namespace amem::data {

namespace {

// A good row, held until all are read: the reference sorts rows by para_num first.
struct ArchivalRow {
  long long para_num;
  Document document;
  Question question;
};

bool parse_integer(const std::string& text, long long& value) {
  const std::string digits = strip_whitespace(text);
  const char* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  return !digits.empty() && ec == std::errc() && ptr == end;
}

}  // namespace

QADataset read_archivalqa_csv(const std::string& path, const ArchivalQAOptions& options) {
  CsvReader csv = CsvReader::open(path);
  const char* text_name = options.full_passage ? "ans_text" : "ans_paragraph";
  const std::size_t doc_id_column = csv.column("doc_id");
  const std::size_t para_num_column = csv.column("para_num");
  const std::size_t text_column = csv.column(text_name);
  const std::size_t question_column = csv.column("question");
  const std::size_t answer_column = csv.column("answer");
  const auto title_column = csv.find_column("title");
  QADatasetBuilder builder(path);
  auto& report = builder.report();

  std::vector<ArchivalRow> rows;
  for_each_complete_record(csv, report, [&](const CsvRecord& record) {
    long long para_num = 0;
    if (!parse_integer(record.fields[para_num_column], para_num)) {
      return add_bad_record(report, record, RowProblem::bad_value,
                            "column 'para_num': '" + record.fields[para_num_column] + "' is not an integer");
    }
    const std::string& text = record.fields[text_column];
    std::string question = strip_whitespace(record.fields[question_column]);
    const std::string& answer = record.fields[answer_column];
    if (strip_whitespace(text).empty())
      return add_bad_record(report, record, RowProblem::empty_text, std::string("column '") + text_name + "'");
    if (question.empty()) return add_bad_record(report, record, RowProblem::empty_question, "column 'question'");
    if (strip_whitespace(answer).empty())
      return add_bad_record(report, record, RowProblem::empty_answers, "column 'answer'");

    const std::string& doc_id = record.fields[doc_id_column];
    const std::string id = options.full_passage ? doc_id : doc_id + "#" + std::to_string(para_num);
    Document document{id, title_column ? record.fields[*title_column] : "", doc_id, text, {}};
    rows.push_back({para_num, std::move(document),
                    Question{"line " + std::to_string(record.line),
                             std::move(question),
                             {answer},
                             capitalize_first(answer),
                             record.line}});
  });

  std::stable_sort(rows.begin(), rows.end(),
                   [](const ArchivalRow& a, const ArchivalRow& b) { return a.para_num < b.para_num; });
  for (auto& row : rows) builder.add(row.document, std::move(row.question));
  return std::move(builder).finish(options.limits);
}

}  // namespace amem::data
