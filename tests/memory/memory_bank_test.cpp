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
    bank.append("doc-" + std::to_string(i), torch::randn({3, 8}).to(torch::kBFloat16));
  return bank;
}

}  // namespace

TEST(MemoryBank, SavesAndLoadsExactlyWithIdsAndSizes) {
  const auto path = (amem::testing::fresh_dir("bank_roundtrip") / "bank.safetensors").string();
  torch::manual_seed(0);
  const auto bank = bank_of(5);
  EXPECT_EQ(bank.bytes_per_document(), 3 * 8 * 2);
  bank.save(path, "mac:run-a");

  const auto loaded = MemoryBank::load(path, "mac:run-a");
  EXPECT_EQ(loaded.document_ids(), bank.document_ids());
  EXPECT_TRUE(torch::equal(loaded.modulations(), bank.modulations()));
  EXPECT_EQ(loaded.modulations().scalar_type(), torch::kBFloat16);

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
  EXPECT_NE(amem::testing::error_of([&] { MemoryBank::load(path, "mac:run-b"); }).find("made by 'mac:run-a'"),
            std::string::npos);

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
  mixed.append("a", torch::zeros({3, 8}));
  EXPECT_THROW(mixed.append("b", torch::zeros({4, 8})), amem::Error);
  // A document is stored once: a second "a" is refused, and the bank stays as it was.
  EXPECT_NE(amem::testing::error_of([&] { mixed.append("a", torch::ones({3, 8})); }).find("'a' is in the bank already"),
            std::string::npos);
  EXPECT_TRUE(mixed.contains("a"));
  EXPECT_FALSE(mixed.contains("b"));
  EXPECT_EQ(mixed.size(), 1);
  EXPECT_THROW(MemoryBank().save((dir / "empty.safetensors").string(), "x"), amem::Error);
}
