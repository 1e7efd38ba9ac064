#include "amem/io/utf8_file.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "amem/text/utf8.h"

namespace amem::io {

namespace {

std::string hex_byte(unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02X", byte);
  return buffer;
}

// 1-based line and column (in bytes) of text[pos].
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t pos) {
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < pos; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return {line, pos - line_start + 1};
}

// The byte-order marks of UTF-16 and UTF-32 (UTF-32 LE starts like UTF-16 LE).
const char* utf16_or_32_bom(std::string_view text) {
  if (text.substr(0, 4) == std::string_view("\xFF\xFE\0\0", 4)) return "UTF-32 text (byte-order mark FF FE 00 00)";
  if (text.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) return "UTF-32 text (byte-order mark 00 00 FE FF)";
  if (text.substr(0, 2) == "\xFF\xFE") return "UTF-16 text (byte-order mark FF FE)";
  if (text.substr(0, 2) == "\xFE\xFF") return "UTF-16 text (byte-order mark FE FF)";
  return nullptr;
}

}  // namespace

std::string read_utf8_file(const std::string& path) {
  // An ifstream opens a folder and reads it as empty: say what it is instead.
  if (std::filesystem::is_directory(path)) throw Error(path + ": is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot be read");
  std::stringstream contents;
  contents << in.rdbuf();
  if (in.bad()) throw Error(path + ": cannot be read");
  std::string text = contents.str();

  if (const char* encoding = utf16_or_32_bom(text))
    throw Error(path + ": " + encoding + "; amem reads UTF-8: convert it (iconv -f UTF-16 -t UTF-8)");
  // Whichever comes first: a NUL byte (valid UTF-8, but not text) or an invalid unit.
  const std::size_t bad = text::first_invalid_utf8(text), nul = std::min(text.find('\0'), text.size());
  if (nul < bad)
    throw Error(path + ":" + std::to_string(line_and_column(text, nul).first) +
                ": NUL byte: UTF-16 text without a byte-order mark, or not text; amem reads UTF-8");
  if (bad < text.size()) {
    const auto [line, column] = line_and_column(text, bad);
    throw Error(path + ":" + std::to_string(line) + ": invalid UTF-8 (byte " + hex_byte(text[bad]) + " at column " +
                std::to_string(column) + "); amem reads UTF-8: convert it (e.g. iconv -f latin1 -t UTF-8)");
  }
  return text;
}

Error bare_cr_error(const std::string& path, std::size_t line) {
  return Error(path + ":" + std::to_string(line) +
               ": a line ends in a bare CR (classic Mac OS line ends); amem reads LF or CRLF: convert it "
               "(e.g. tr '\\r' '\\n')");
}

void check_line_ends(std::string_view text, const std::string& path) {
  for (std::size_t pos = text.find('\r'); pos != std::string_view::npos; pos = text.find('\r', pos + 1))
    if (pos + 1 == text.size() || text[pos + 1] != '\n') throw bare_cr_error(path, line_and_column(text, pos).first);
}

}  // namespace amem::io
