// Issue 12, item 4: data files are read as UTF-8 or not at all.
#include "amem/io/utf8_file.h"

#include <gtest/gtest.h>

#include "support/error_of.h"
#include "support/temp_dir.h"

namespace {

using amem::testing::error_of;

std::string read_error(const std::string& name, const std::string& contents) {
  const auto path = amem::testing::fresh_dir("utf8_file_" + name) / name;
  amem::testing::write_file(path, contents);
  return error_of([&] { amem::io::read_utf8_file(path.string()); });
}

TEST(Utf8File, ValidUtf8IsReturnedByteForByte) {
  const auto path = amem::testing::fresh_dir("utf8_file_valid") / "ok.csv";
  const std::string text = "\xEF\xBB\xBFtext\r\nRen\xC3\xA9 \xF0\x9F\x98\x80\n";  // BOM, CRLF, é, an emoji
  amem::testing::write_file(path, text);
  EXPECT_EQ(amem::io::read_utf8_file(path.string()), text);
}

TEST(Utf8File, InvalidUtf8IsAnErrorNamingFileLineAndByte) {
  const std::string message = read_error("latin1.csv", "text,answers\nParis,Ren\xE9\n");
  EXPECT_NE(message.find("latin1.csv:2: invalid UTF-8 (byte 0xE9 at column 10); amem reads UTF-8"), std::string::npos)
      << message;
  // An overlong encoding and a lone continuation byte are invalid too.
  EXPECT_NE(read_error("overlong.txt", "a\n\xC0\xAF").find("overlong.txt:2: invalid UTF-8 (byte 0xC0"),
            std::string::npos);
  EXPECT_NE(read_error("continuation.txt", "\x80").find("continuation.txt:1: invalid UTF-8 (byte 0x80"),
            std::string::npos);
}

TEST(Utf8File, Utf16IsNamedAsSuch) {
  EXPECT_NE(read_error("le.csv", std::string("\xFF\xFEt\0", 4)).find("le.csv: UTF-16 text (byte-order mark FF FE)"),
            std::string::npos);
  EXPECT_NE(read_error("be.csv", std::string("\xFE\xFF\0t", 4)).find("be.csv: UTF-16 text (byte-order mark FE FF)"),
            std::string::npos);
  EXPECT_NE(read_error("nobom.csv", std::string("a\nt\0e\0", 6)).find("nobom.csv:2: NUL byte"), std::string::npos);
}

TEST(Utf8File, BareCarriageReturnsAreFoundByLine) {
  EXPECT_NO_THROW(amem::io::check_line_ends("a\r\nb\nc\r\n", "f.txt"));
  EXPECT_EQ(error_of([] { amem::io::check_line_ends("a\r\nb\rc\n", "f.txt"); }),
            "f.txt:2: a line ends in a bare CR (classic Mac OS line ends); amem reads LF or CRLF: convert it "
            "(e.g. tr '\\r' '\\n')");
}

TEST(Utf8File, AMissingFileCannotBeRead) {
  EXPECT_EQ(error_of([] { amem::io::read_utf8_file("/nonexistent/x.csv"); }), "/nonexistent/x.csv: cannot be read");
}

}  // namespace
