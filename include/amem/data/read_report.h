// What a dataset reader found wrong in a file. Real dataset dumps carry the odd broken row
// (a lost quote, an empty answer); a reader skips each one, says where it was, and gives up
// only when so many are broken that the file itself is suspect.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace amem::data {

enum class RowProblem {
  missing_columns,  // fewer fields than the header names
  extra_columns,    // more fields than the header names
  bad_quoting,      // a quote not closed, or text after a closing quote
  empty_text,       // the document text is empty or only whitespace
  empty_question,   // the question is empty or only whitespace
  empty_answers,    // no non-empty answer
  bad_value,        // a field that does not parse: a number, an answer list, a JSON type
};

// "missing columns", "empty answers", ...: the words used in messages.
const char* describe(RowProblem problem);

struct BadRow {
  RowProblem problem;
  std::size_t line = 0;  // CSV: line where the record starts; JSON: 0
  std::string where;     // JSON: the record's path, e.g. "data[0].paragraphs[3].qas[5]"
  std::string detail;    // what exactly is wrong, for the message
};

struct ReadReport {
  std::string file;
  std::size_t records = 0;  // every question record seen, good or bad
  std::vector<BadRow> bad_rows;

  std::size_t bad_count() const { return bad_rows.size(); }
  std::size_t bad_count(RowProblem problem) const;
  // Counts the row and logs a warning naming the file and line (the first few only, then
  // one line saying that more are not shown).
  void add_bad(BadRow row);
};

struct ReadLimits {
  // The largest share of malformed records (bad / all) a file may have before reading
  // fails. 0 rejects a file with any bad record; 1 accepts anything that parses.
  double max_bad_fraction = 0.01;
};

// Throws amem::Error when the report's bad share exceeds the limit, in one line naming the
// file, the counts and the first bad row.
void check_bad_fraction(const ReadReport& report, const ReadLimits& limits);

}  // namespace amem::data
