// The part every dataset CSV reader shares: walking the records and setting aside those that
// cannot be a row of the table at all (bad quoting, wrong number of fields).
#pragma once

#include <cstddef>
#include <functional>
#include <limits>

#include "amem/data/csv_reader.h"
#include "amem/data/read_report.h"

namespace amem::data {

// Calls `row` with each record of `csv` that is well quoted and has exactly one field per
// header column. Only records numbered (from 0) in [first_row, end_row) are looked at; each
// of them counts in `report.records`, and those not passed to `row` are added as bad rows.
void for_each_complete_record(CsvReader& csv, ReadReport& report, const std::function<void(const CsvRecord&)>& row,
                              std::size_t first_row = 0, std::size_t end_row = std::numeric_limits<std::size_t>::max());

// Adds `record` to `report` as a malformed row at its line.
void add_bad_record(ReadReport& report, const CsvRecord& record, RowProblem problem, std::string detail);

}  // namespace amem::data
