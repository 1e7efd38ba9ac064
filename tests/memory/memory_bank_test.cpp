#include "amem/memory/memory_bank.h"

#include <gtest/gtest.h>

#include <fstream>

#include "amem/core/error.h"
#include "amem/io/safetensors.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

using amem::memory::MemoryBank;

namespace {

MemoryBank bank_of(int64_t documents) {
  MemoryBank bank;
  for (int64_t i = 0; i < documents; ++i)
    bank.append("key-" + std::to_string(i), "doc-" + std::to_string(i), torch::randn({3, 8}).to(torch::kBFloat16));
  return bank;
}

// Rewrites the bank at `path` with its tensor as it is and one metadata field replaced, as a
// hand edit of the file would (the stored checksum is left as it was).
void rewrite_field(const std::string& path, const std::string& field, const std::string& value) {
  const auto file = amem::io::SafetensorsFile::open(path);
  auto metadata = file->metadata();
  metadata[field] = value;
  const auto tensor = file->load("modulations");
  amem::io::save_safetensors(path, {{"modulations", tensor}}, metadata);
}

std::string field_of(const std::string& path, const std::string& field) {
  return amem::io::SafetensorsFile::open(path)->metadata().at(field);
}

}  // namespace

TEST(MemoryBank, SavesAndLoadsExactlyWithKeysIdsAndSizes) {
  const auto path = (amem::testing::fresh_dir("bank_roundtrip") / "bank.safetensors").string();
  torch::manual_seed(0);
  const auto bank = bank_of(5);
  EXPECT_EQ(bank.bytes_per_document(), 3 * 8 * 2);
  bank.save(path, "mac:run-a");

  const auto loaded = MemoryBank::load(path, "mac:run-a");
  EXPECT_EQ(loaded.content_keys(), bank.content_keys());
  EXPECT_EQ(loaded.document_ids(), bank.document_ids());
  EXPECT_TRUE(loaded.contains("key-3"));
  EXPECT_FALSE(loaded.contains("doc-3")) << "entries are found by content key, never by the dataset's id";
  EXPECT_TRUE(torch::equal(loaded.modulations(), bank.modulations()));
  EXPECT_EQ(loaded.modulations().scalar_type(), torch::kBFloat16);
  EXPECT_EQ(field_of(path, "version"), "2");

  const auto info = MemoryBank::inspect(path);
  EXPECT_EQ(info.documents, 5);
  EXPECT_EQ(info.tokens, 3);
  EXPECT_EQ(info.width, 8);
  EXPECT_EQ(info.bytes_per_document, 48);
  EXPECT_EQ(info.producer, "mac:run-a");
}

TEST(MemoryBank, RefusesAnotherProducerAlteredBytesAndForeignFiles) {
  const auto dir = amem::testing::fresh_dir("bank_errors");
  const auto path = (dir / "bank.safetensors").string();
  torch::manual_seed(1);
  bank_of(2).save(path, "mac:run-a");
  EXPECT_EQ(amem::testing::error_of([&] { MemoryBank::load(path, "mac:run-b"); }),
            path + ": made by 'mac:run-a', but this run's amortizer is 'mac:run-b' (a bank holds the modulations of "
                   "the amortizer weights that made it: load it with those mac.networks, or amortize the documents "
                   "again)");

  // Flip one byte of the data section: the checksum catches it.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x7f');
  }
  EXPECT_NE(amem::testing::error_of([&] { MemoryBank::load(path); }).find("checksum mismatch"), std::string::npos);

  const auto other = (dir / "weights.safetensors").string();
  amem::io::save_safetensors(other, {{"modulations", torch::zeros({1, 2, 3})}});
  EXPECT_NE(amem::testing::error_of([&] { MemoryBank::load(other); }).find("not a memory bank"), std::string::npos);

  MemoryBank mixed;
  mixed.append("a", "line 2", torch::zeros({3, 8}));
  EXPECT_THROW(mixed.append("b", "line 3", torch::zeros({4, 8})), amem::Error);
  // A content key is stored once: a second "a" is refused, and the bank stays as it was.
  EXPECT_NE(amem::testing::error_of([&] { mixed.append("a", "line 9", torch::ones({3, 8})); })
                .find("content key a (document 'line 9') is in the bank already"),
            std::string::npos);
  // The dataset's id is metadata: another text under the same id is another entry.
  mixed.append("c", "line 2", torch::ones({3, 8}));
  EXPECT_TRUE(mixed.contains("a"));
  EXPECT_FALSE(mixed.contains("b"));
  EXPECT_EQ(mixed.size(), 2);
  EXPECT_EQ(mixed.document_ids(), (std::vector<std::string>{"line 2", "line 2"}));
  EXPECT_THROW(MemoryBank().save((dir / "empty.safetensors").string(), "x"), amem::Error);
}

// Every stored field is under the checksum: editing the ids (version 1 kept "checksum ok"), the
// content keys, the producer or the checksum itself is refused.
TEST(MemoryBank, AnEditOfAnyStoredFieldBreaksTheChecksum) {
  const auto dir = amem::testing::fresh_dir("bank_fields");
  torch::manual_seed(2);
  const auto bank = bank_of(3);
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"document_ids", R"(["doc-0","doc-2","doc-1"])"},
      {"content_keys", R"(["key-0","key-2","key-1"])"},
      {"producer", "mac:run-b"},
      {"checksum", "0000000000000000"},
  };
  for (const auto& [field, value] : edits) {
    SCOPED_TRACE(field);
    const auto path = (dir / (field + ".safetensors")).string();
    bank.save(path, "mac:run-a");
    ASSERT_NE(field_of(path, field), value);
    rewrite_field(path, field, value);
    const auto error = amem::testing::error_of([&] { MemoryBank::load(path); });
    EXPECT_EQ(error.rfind(path + ": checksum mismatch", 0), 0u) << error;
  }
}

TEST(MemoryBank, AnOldVersionIsRefusedWithWhatToDo) {
  const auto path = (amem::testing::fresh_dir("bank_version") / "bank.safetensors").string();
  torch::manual_seed(3);
  bank_of(2).save(path, "mac:run-a");
  rewrite_field(path, "version", "1");
  const auto error = amem::testing::error_of([&] { MemoryBank::load(path); });
  EXPECT_NE(error.find(path + ": memory bank version 1 keys documents by dataset id"), std::string::npos) << error;
  EXPECT_NE(error.find("rebuild it with amem memory build"), std::string::npos) << error;
  EXPECT_NE(amem::testing::error_of([&] { MemoryBank::inspect(path); }).find("version 1"), std::string::npos);
  rewrite_field(path, "version", "3");
  EXPECT_NE(amem::testing::error_of([&] { MemoryBank::load(path); })
                .find("memory bank version 3, this amem reads version 2"),
            std::string::npos);
}
