#include "amem/data/csv_reader.h"

#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "support/temp_dir.h"

using amem::data::CsvReader;
using amem::data::CsvRecord;

namespace {

std::vector<CsvRecord> all_records(CsvReader& csv) {
  std::vector<CsvRecord> records;
  while (auto record = csv.next()) records.push_back(std::move(*record));
  return records;
}

using Fields = std::vector<std::string>;

}  // namespace

TEST(CsvReader, QuotedFieldsWithCommasDoubledQuotesAndLineBreaks) {
  CsvReader csv(
      "id,text,note\n"
      "1,\"a, b\",plain\n"
      "2,\"she said \"\"hi\"\"\",\"\"\n"
      "3,\"two\nlines\",x\n"
      "4,last,\n",
      "mem.csv");
  EXPECT_EQ(csv.header(), (Fields{"id", "text", "note"}));
  auto records = all_records(csv);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].fields, (Fields{"1", "a, b", "plain"}));
  EXPECT_EQ(records[1].fields, (Fields{"2", "she said \"hi\"", ""}));
  EXPECT_EQ(records[2].fields, (Fields{"3", "two\nlines", "x"}));
  EXPECT_EQ(records[3].fields, (Fields{"4", "last", ""}));
  // Line numbers are where each record starts: record 3 spans lines 4-5.
  EXPECT_EQ(records[0].line, 2u);
  EXPECT_EQ(records[1].line, 3u);
  EXPECT_EQ(records[2].line, 4u);
  EXPECT_EQ(records[3].line, 6u);
  for (const auto& r : records) EXPECT_FALSE(r.bad_quoting);
}

TEST(CsvReader, CrlfBomBlankLinesAndMissingFinalNewline) {
  CsvReader csv("\xEF\xBB\xBFq,a\r\n\r\nx,\"1\r\n2\"\r\n\r\ny,z", "crlf.csv");
  EXPECT_EQ(csv.header(), (Fields{"q", "a"}));
  EXPECT_EQ(csv.column("q"), 0u);
  auto records = all_records(csv);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"x", "1\r\n2"}));  // line breaks inside quotes are kept as written
  EXPECT_EQ(records[0].line, 3u);
  EXPECT_EQ(records[1].fields, (Fields{"y", "z"}));
  EXPECT_EQ(records[1].line, 6u);
}

TEST(CsvReader, QuoteInsideUnquotedFieldIsAnOrdinaryCharacter) {
  CsvReader csv("a,b\n5\" tall,x\"y\n", "m.csv");
  auto records = all_records(csv);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"5\" tall", "x\"y"}));
  EXPECT_FALSE(records[0].bad_quoting);
}

TEST(CsvReader, TextAfterClosingQuoteIsBadQuotingAndReadingGoesOn) {
  CsvReader csv("a,b\n\"ab\"c,d\nok,fine\n", "m.csv");
  auto records = all_records(csv);
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(records[0].bad_quoting);
  EXPECT_NE(records[0].bad_quoting->find("after the closing quote"), std::string::npos);
  EXPECT_EQ(records[0].fields, (Fields{"abc", "d"}));
  EXPECT_FALSE(records[1].bad_quoting);
  EXPECT_EQ(records[1].fields, (Fields{"ok", "fine"}));
  EXPECT_EQ(records[1].line, 3u);
}

TEST(CsvReader, UnterminatedQuoteRunsToEndOfFileAsOneBadRecord) {
  CsvReader csv("a,b\n1,2\n3,\"open\n4,5\n", "m.csv");
  auto records = all_records(csv);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[0].bad_quoting);
  ASSERT_TRUE(records[1].bad_quoting);
  EXPECT_EQ(records[1].line, 3u);
  EXPECT_NE(records[1].bad_quoting->find("opened on line 3 is not closed"), std::string::npos);
  EXPECT_EQ(records[1].fields, (Fields{"3", "open\n4,5\n"}));
}

TEST(CsvReader, ErrorsNameTheFileAndColumn) {
  CsvReader csv("title,context\n", "squad.csv");
  EXPECT_EQ(*csv.find_column("context"), 1u);
  EXPECT_FALSE(csv.find_column("answers"));
  try {
    csv.column("answers");
    FAIL() << "no error for a missing column";
  } catch (const amem::Error& e) {
    EXPECT_STREQ(e.what(), "squad.csv: missing required column 'answers' in the header");
  }
  try {
    CsvReader::open("/nonexistent/dir/x.csv");
    FAIL() << "no error for a missing file";
  } catch (const amem::Error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dir/x.csv: cannot be read");
  }
  EXPECT_THROW(CsvReader("\n\n", "empty.csv"), amem::Error);
}

// Issue 12, item 4: a file whose lines end in bare CRs used to read as one record and fail
// as "missing column"; it is now named as what it is. A CR inside quotes is field text.
TEST(CsvReader, BareCrLineEndsAreAnErrorNamingTheLineButACrInQuotesIsText) {
  CsvReader quoted("id,text\n1,\"a\rb\"\r\n2,c\n", "quoted.csv");
  auto records = all_records(quoted);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"1", "a\rb"}));
  try {
    CsvReader("id,text\r1,a\r", "mac.csv");
    FAIL() << "no error for bare CR line ends";
  } catch (const amem::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("mac.csv:1: a line ends in a bare CR", 0), 0u) << e.what();
  }
  CsvReader later("id,text\n1,a\n2,b\r3,c\n", "later.csv");
  EXPECT_TRUE(later.next());
  try {
    later.next();
    FAIL() << "no error for a bare CR on line 3";
  } catch (const amem::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("later.csv:3: a line ends in a bare CR", 0), 0u) << e.what();
  }
}

TEST(CsvReader, OpensAFile) {
  auto dir = amem::testing::fresh_dir("csv_open");
  amem::testing::write_file(dir / "f.csv", "x,y\n1,2\n");
  auto csv = CsvReader::open((dir / "f.csv").string());
  EXPECT_EQ(csv.name(), (dir / "f.csv").string());
  auto records = all_records(csv);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"1", "2"}));
}
