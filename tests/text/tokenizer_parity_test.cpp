// Golden parity with the reference tokenizers (tests/data/tokenizers/golden.json, written by
// scripts/device/make_tokenizer_fixtures.py): Hugging Face `tokenizers` for the byte-level
// BPE, the sentencepiece library for the two sentencepiece models.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <nlohmann/json.hpp>

#include "amem/text/tokenizer.h"
#include "amem/text/utf8.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(AMEM_TEST_DATA_DIR) / "tokenizers";

const nlohmann::json& golden() {
  static const nlohmann::json json = [] {
    std::ifstream in(kFixtures / "golden.json");
    return nlohmann::json::parse(in);
  }();
  return json;
}

// Every text of golden.json: ids without special tokens, encode_for_model() ids, decode().
void expect_parity(const amem::text::Tokenizer& tokenizer, const std::string& fixture) {
  const auto& texts = golden()["texts"];
  const auto& expected = golden()[fixture];
  ASSERT_EQ(texts.size(), expected["ids"].size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto text = texts[i].get<std::string>();
    const auto ids = expected["ids"][i].get<std::vector<int64_t>>();
    EXPECT_EQ(tokenizer.encode(text), ids) << fixture << " text " << i << ": " << text;
    EXPECT_EQ(tokenizer.encode_for_model(text),
              expected["ids_with_special"][i].get<std::vector<int64_t>>())
        << fixture << " text " << i;
    EXPECT_EQ(tokenizer.decode(ids), expected["decoded"][i].get<std::string>())
        << fixture << " text " << i;
  }
}

}  // namespace

TEST(TokenizerParity, Gpt2BpeFromTokenizerJson) {
  auto tokenizer = amem::text::load_tokenizer((kFixtures / "gpt2_bpe").string());
  EXPECT_EQ(tokenizer->vocab_size(), 601);
  expect_parity(*tokenizer, "gpt2_bpe");
}

// Any bytes encode (invalid UTF-8 included) and decode back, invalid parts as U+FFFD.
TEST(TokenizerParity, Gpt2BpeRoundTripsArbitraryBytes) {
  auto tokenizer = amem::text::load_tokenizer((kFixtures / "gpt2_bpe").string());
  std::mt19937 random(11);
  for (int trial = 0; trial < 100; ++trial) {
    std::string bytes;
    const int length = static_cast<int>(random() % 30);
    for (int i = 0; i < length; ++i) bytes += static_cast<char>(random());
    EXPECT_EQ(tokenizer->decode(tokenizer->encode(bytes)), amem::text::replace_invalid_utf8(bytes));
  }
}

TEST(TokenizerParity, Gpt2BpeFromVocabAndMerges) {
  const auto dir = amem::testing::fresh_dir("gpt2_vocab_merges");
  for (const char* file : {"vocab.json", "merges.txt"}) {
    fs::copy_file(kFixtures / "gpt2_bpe" / file, dir / file);
  }
  auto tokenizer = amem::text::load_tokenizer(dir.string());
  EXPECT_EQ(tokenizer->vocab_size(), 601);
  expect_parity(*tokenizer, "gpt2_bpe");
}

TEST(TokenizerParity, LlamaSentencepieceBpe) {
  auto tokenizer = amem::text::load_tokenizer((kFixtures / "llama_bpe").string());
  EXPECT_EQ(tokenizer->special().bos, 1);
  EXPECT_EQ(tokenizer->special().eos, 2);
  EXPECT_EQ(tokenizer->special().unk, 0);
  expect_parity(*tokenizer, "llama_bpe");
}

TEST(TokenizerParity, T5SentencepieceUnigram) {
  auto tokenizer = amem::text::load_tokenizer((kFixtures / "t5_unigram").string());
  EXPECT_EQ(tokenizer->special().pad, 0);
  EXPECT_EQ(tokenizer->special().eos, 1);
  EXPECT_EQ(tokenizer->special().unk, 2);
  EXPECT_EQ(tokenizer->vocab_size(), 500);
  expect_parity(*tokenizer, "t5_unigram");
}
