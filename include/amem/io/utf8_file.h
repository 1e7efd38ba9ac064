// Reading a text file amem takes as data (a dataset, a list of passages, a text to score) with
// its encoding checked. amem reads UTF-8; a file in another encoding fails with a message that
// says so, instead of having its bytes rewritten downstream (a latin-1 gold answer "René"
// would become "Ren\uFFFD" and never match) or being misread as one long line or one column.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "amem/core/error.h"

namespace amem::io {

// The file's bytes, unchanged (a UTF-8 byte-order mark included), once they are known to be
// UTF-8. Throws amem::Error, one line naming the file and, where there is one, the line:
//   <path>: cannot be read
//   <path>: is a folder, expected a file
//   <path>: UTF-16 text (byte-order mark FF FE); amem reads UTF-8: convert it (iconv -f UTF-16 -t UTF-8)
//   <path>:3: NUL byte: UTF-16 text without a byte-order mark, or not text; amem reads UTF-8
//   <path>:12: invalid UTF-8 (byte 0xE9 at column 4); amem reads UTF-8: convert it (e.g. iconv -f latin1 -t UTF-8)
std::string read_utf8_file(const std::string& path);

// The error for a carriage return not followed by a line feed where a line ends (classic Mac
// OS line ends): LF or CRLF are read, a bare CR would join every line of the file into one.
Error bare_cr_error(const std::string& path, std::size_t line);

// Throws bare_cr_error at the first bare CR of `text`, for files read line by line.
void check_line_ends(std::string_view text, const std::string& path);

}  // namespace amem::io
