// Reading CSV files as RFC 4180 defines them, which is also what pandas.read_csv accepts for
// the dataset files the reference code reads: fields separated by commas, records by LF or
// CRLF; a field in double quotes may hold commas, line breaks and doubled quotes ("" = ").
// The first record is the header, whose names find columns.
//
// A record whose quoting is broken is not an error here: it is returned with `bad_quoting`
// set, so that dataset readers can count it with the other malformed rows and carry on.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amem::data {

struct CsvRecord {
  std::vector<std::string> fields;
  std::size_t line = 0;  // physical line (1-based) where the record starts
  // Set when a quoted field is not closed before the end of the file (the record then runs to
  // the end of the file), or when a closing quote is followed by something other than a comma
  // or a line break. The fields are kept as read.
  std::optional<std::string> bad_quoting;
};

class CsvReader {
 public:
  // Reads the whole file and its header. Throws amem::Error if the file cannot be read, is
  // not UTF-8 (io/utf8_file.h) or has no header; next() throws it, naming the line, at a
  // bare CR outside quotes (a file with classic Mac OS line ends).
  static CsvReader open(const std::string& path);
  // `text` as if it were the contents of a file named `name` (used in messages).
  CsvReader(std::string text, std::string name);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& header() const { return header_.fields; }
  std::optional<std::size_t> find_column(std::string_view column) const;
  // Throws amem::Error naming the file and the column when the header lacks it.
  std::size_t column(std::string_view column) const;

  // The next record, or nothing at the end of the file. Blank lines are skipped, as pandas
  // does.
  std::optional<CsvRecord> next();

 private:
  std::string text_;
  std::string name_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  CsvRecord header_;
};

}  // namespace amem::data
