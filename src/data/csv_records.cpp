#include "csv_records.h"

namespace amem::data {

void for_each_complete_record(CsvReader& csv, ReadReport& report, const std::function<void(const CsvRecord&)>& row,
                              std::size_t first_row, std::size_t end_row) {
  const std::size_t width = csv.header().size();
  for (std::size_t index = 0; index < end_row; ++index) {
    auto record = csv.next();
    if (!record) return;
    if (index < first_row) continue;
    ++report.records;
    if (record->bad_quoting) {
      add_bad_record(report, *record, RowProblem::bad_quoting, *record->bad_quoting);
    } else if (record->fields.size() != width) {
      const bool missing = record->fields.size() < width;
      add_bad_record(report, *record, missing ? RowProblem::missing_columns : RowProblem::extra_columns,
                     std::to_string(record->fields.size()) + " fields, the header has " + std::to_string(width));
    } else {
      row(*record);
    }
  }
}

void add_bad_record(ReadReport& report, const CsvRecord& record, RowProblem problem, std::string detail) {
  report.add_bad({problem, record.line, "", std::move(detail)});
}

}  // namespace amem::data
