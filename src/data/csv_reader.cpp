#include "amem/data/csv_reader.h"

#include "amem/core/error.h"
#include "amem/io/utf8_file.h"

namespace amem::data {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace

CsvReader CsvReader::open(const std::string& path) { return CsvReader(io::read_utf8_file(path), path); }

CsvReader::CsvReader(std::string text, std::string name) : text_(std::move(text)), name_(std::move(name)) {
  // Spreadsheet programs often start UTF-8 files with a byte-order mark; it is not part of
  // the first column's name.
  if (std::string_view(text_).substr(0, kUtf8Bom.size()) == kUtf8Bom) pos_ = kUtf8Bom.size();
  auto header = next();
  if (!header) throw Error(name_ + ": empty CSV file, expected a header row");
  if (header->bad_quoting) throw Error(name_ + ": header row: " + *header->bad_quoting);
  header_ = std::move(*header);
}

std::optional<std::size_t> CsvReader::find_column(std::string_view column) const {
  for (std::size_t i = 0; i < header_.fields.size(); ++i) {
    if (header_.fields[i] == column) return i;
  }
  return std::nullopt;
}

std::size_t CsvReader::column(std::string_view column) const {
  auto index = find_column(column);
  if (!index) throw Error(name_ + ": missing required column '" + std::string(column) + "' in the header");
  return *index;
}

std::optional<CsvRecord> CsvReader::next() {
  const std::size_t size = text_.size();
  auto at_line_break = [&](std::size_t p) {
    return p < size && (text_[p] == '\n' || (text_[p] == '\r' && p + 1 < size && text_[p + 1] == '\n'));
  };
  // A CR outside quotes that no LF follows: the file's lines end in bare CRs, which would
  // otherwise read as one record and be reported as a missing column.
  auto check_not_bare_cr = [&](std::size_t p) {
    if (p < size && text_[p] == '\r' && !at_line_break(p)) throw io::bare_cr_error(name_, line_);
  };
  auto skip_line_break = [&] {
    pos_ += text_[pos_] == '\r' ? 2 : 1;
    ++line_;
  };
  while (at_line_break(pos_)) skip_line_break();
  if (pos_ >= size) return std::nullopt;

  CsvRecord record;
  record.line = line_;
  while (true) {
    std::string field;
    if (text_[pos_] == '"') {
      const std::size_t quote_line = line_;
      ++pos_;
      bool closed = false;
      while (pos_ < size) {
        const char c = text_[pos_];
        if (c == '"') {
          if (pos_ + 1 < size && text_[pos_ + 1] == '"') {
            field += '"';
            pos_ += 2;
            continue;
          }
          ++pos_;
          closed = true;
          break;
        }
        if (c == '\n') ++line_;
        field += c;
        ++pos_;
      }
      if (!closed) {
        record.bad_quoting =
            "quoted field opened on line " + std::to_string(quote_line) + " is not closed before the end of the file";
        record.fields.push_back(std::move(field));
        return record;
      }
      check_not_bare_cr(pos_);
      if (pos_ < size && text_[pos_] != ',' && !at_line_break(pos_) && !record.bad_quoting) {
        record.bad_quoting = "text after the closing quote of field " + std::to_string(record.fields.size() + 1) +
                             " on line " + std::to_string(line_);
      }
    }
    // Unquoted text, or what follows a misplaced closing quote: up to the next comma or line
    // break. A quote inside unquoted text is an ordinary character, as in pandas.
    while (pos_ < size && text_[pos_] != ',' && !at_line_break(pos_)) {
      check_not_bare_cr(pos_);
      field += text_[pos_++];
    }
    record.fields.push_back(std::move(field));
    if (pos_ >= size) return record;
    if (text_[pos_] == ',') {
      ++pos_;
      if (pos_ >= size) {  // a trailing comma ends with one more, empty, field
        record.fields.emplace_back();
        return record;
      }
      continue;
    }
    skip_line_break();
    return record;
  }
}

}  // namespace amem::data
