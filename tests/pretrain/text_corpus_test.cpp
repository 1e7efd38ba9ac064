// Reading pre-training text: documents between blank lines, plain and .xz (liblzma), and the
// one-line errors for a missing, damaged or non-UTF-8 file.
#include "amem/pretrain/text_corpus.h"

#include <gtest/gtest.h>
#include <lzma.h>

#include <fstream>
#include <string>
#include <vector>

#include "amem/core/error.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::pretrain::read_text_documents;

namespace {

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// `text` as one xz stream, made with liblzma itself (preset 0: fast).
std::string xz(const std::string& text) {
  std::string out(lzma_stream_buffer_bound(text.size()), '\0');
  size_t written = 0;
  const auto ret = lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const uint8_t*>(text.data()),
                                           text.size(), reinterpret_cast<uint8_t*>(out.data()), &written, out.size());
  EXPECT_EQ(ret, LZMA_OK);
  out.resize(written);
  return out;
}

std::string error_of(const fs::path& path) {
  try {
    read_text_documents(path.string());
  } catch (const amem::ConfigError& e) {
    return std::string("ConfigError: ") + e.what();
  } catch (const amem::Error& e) {
    return e.what();
  }
  return "no error";
}

// Blank lines (empty, spaces, CRLF) separate documents; runs of them and leading/trailing ones
// make no empty document; a document's lines keep their inner spaces.
const std::string kText = "\n  \nFirst line.\r\nsecond  line\n\n\n\t \nB\n \nC one\nC two";
const std::vector<std::string> kDocuments = {"First line.\nsecond  line", "B", "C one\nC two"};

}  // namespace

TEST(TextCorpus, BlankLinesSeparateDocuments) {
  const auto dir = amem::testing::fresh_dir("TextCorpus_BlankLines");
  write(dir / "text.txt", kText);
  EXPECT_EQ(read_text_documents((dir / "text.txt").string()), kDocuments);
  EXPECT_EQ(read_text_documents((dir / "text.txt").string(), 2),
            (std::vector<std::string>{kDocuments[0], kDocuments[1]}));
}

TEST(TextCorpus, XzTextReadsAsThePlainText) {
  const auto dir = amem::testing::fresh_dir("TextCorpus_Xz");
  write(dir / "text.txt.xz", xz(kText));
  EXPECT_EQ(read_text_documents((dir / "text.txt.xz").string()), kDocuments);
  // Two concatenated streams are one text, as `xz -d` reads them: the cut falls mid-document.
  write(dir / "two.txt.xz", xz(kText.substr(0, 20)) + xz(kText.substr(20)));
  EXPECT_EQ(read_text_documents((dir / "two.txt.xz").string()), kDocuments);
  // More than one decoder buffer (4 MiB) of text.
  std::string big;
  for (int i = 0; i < 300000; ++i) big += "document " + std::to_string(i) + "\n\n";
  write(dir / "big.txt.xz", xz(big));
  const auto documents = read_text_documents((dir / "big.txt.xz").string());
  ASSERT_EQ(documents.size(), 300000u);
  EXPECT_EQ(documents.back(), "document 299999");
}

TEST(TextCorpus, BadFilesAreOneLineErrorsNamingThem) {
  const auto dir = amem::testing::fresh_dir("TextCorpus_Bad");
  EXPECT_EQ(error_of(dir / "missing.txt").rfind((dir / "missing.txt").string() + ": cannot open", 0), 0u)
      << error_of(dir / "missing.txt");
  const std::string packed = xz(kText);
  write(dir / "truncated.txt.xz", packed.substr(0, packed.size() / 2));
  EXPECT_EQ(error_of(dir / "truncated.txt.xz"), (dir / "truncated.txt.xz").string() + ": truncated xz data");
  std::string damaged = packed;
  damaged[damaged.size() / 2] ^= 0x55;
  write(dir / "damaged.txt.xz", damaged);
  EXPECT_EQ(error_of(dir / "damaged.txt.xz"), (dir / "damaged.txt.xz").string() + ": damaged xz data");
  write(dir / "plain.txt.xz", kText);
  EXPECT_EQ(error_of(dir / "plain.txt.xz"), (dir / "plain.txt.xz").string() + ": not xz data");
  write(dir / "latin1.txt", "caf\xe9\n\nok");
  EXPECT_EQ(error_of(dir / "latin1.txt"),
            (dir / "latin1.txt").string() + ": not UTF-8 text (an invalid byte at offset 3 of the text)");
}
