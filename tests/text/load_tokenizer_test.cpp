#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "amem/core/error.h"
#include "amem/text/sentencepiece_tokenizer.h"
#include "amem/text/tokenizer.h"
#include "support/temp_dir.h"
#include "support/error_of.h"

using amem::testing::error_of;

namespace fs = std::filesystem;

namespace {

using amem::testing::fresh_dir;
using amem::testing::write_file;
using amem::text::load_tokenizer;
using Ids = std::vector<int64_t>;

const fs::path kData(AMEM_TEST_DATA_DIR);

// A folder with a copy of one fixture tokenizer file and the given extra files.
fs::path folder_with(const std::string& name, const fs::path& tokenizer_file,
                     const std::vector<std::pair<std::string, std::string>>& files) {
  const auto dir = fresh_dir(name);
  fs::copy_file(tokenizer_file, dir / tokenizer_file.filename());
  for (const auto& [file, contents] : files) write_file(dir / file, contents);
  return dir;
}

}  // namespace

TEST(LoadTokenizer, CheckpointConventions) {
  // tiny-llama: add_bos_token true; tiny-qwen2: the same model file with add_bos_token false.
  auto llama = load_tokenizer((kData / "models" / "tiny-llama").string());
  EXPECT_TRUE(llama->special().add_bos);
  EXPECT_FALSE(llama->special().add_eos);
  EXPECT_EQ(llama->encode_for_model("a").front(), 1);
  auto qwen = load_tokenizer((kData / "models" / "tiny-qwen2").string());
  EXPECT_EQ(qwen->encode_for_model("a"), qwen->encode("a"));

  auto t5 = load_tokenizer((kData / "models" / "tiny-t5").string());
  EXPECT_EQ(t5->special().pad, 0);
  EXPECT_EQ(t5->special().eos, 1);
  EXPECT_FALSE(t5->special().add_bos);
  EXPECT_EQ(t5->encode_for_model("a").back(), 1);

  auto gpt2 = load_tokenizer((kData / "models" / "tiny-gpt2").string());
  EXPECT_EQ(gpt2->special().bos, 600);
  EXPECT_EQ(gpt2->special().eos, 600);
  EXPECT_EQ(gpt2->special().pad, std::nullopt);
  EXPECT_EQ(gpt2->encode_for_model("a"), gpt2->encode("a"));
}

TEST(LoadTokenizer, ConfigFilesOverrideLaterFilesWinning) {
  const auto dir = folder_with(
      "load_override", kData / "tokenizers" / "t5_unigram" / "spiece.model",
      {{"config.json", R"({"pad_token_id": 1, "eos_token_id": 1})"},
       {"special_tokens_map.json", R"({"pad_token": {"content": "<unk>"}})"},
       {"tokenizer_config.json", R"({"add_eos_token": false, "add_bos_token": true})"}});
  auto t5 = load_tokenizer(dir.string());
  EXPECT_EQ(t5->special().pad, 2);  // special_tokens_map.json after config.json
  EXPECT_EQ(t5->special().eos, 1);
  EXPECT_FALSE(t5->special().add_eos);
  EXPECT_TRUE(t5->special().add_bos);  // asked for, but this model has no BOS: nothing added
  EXPECT_EQ(t5->encode_for_model("a"), t5->encode("a"));
}

TEST(LoadTokenizer, MissingOrMalformedFilesNameTheFolderFileAndField) {
  const auto empty = fresh_dir("load_empty");
  EXPECT_NE(error_of([&] {
              load_tokenizer(empty.string());
            }).find(empty.string() + ": no tokenizer files (expected spiece.model"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              load_tokenizer("/nonexistent/folder");
            }).find("/nonexistent/folder: not a folder"),
            std::string::npos);
  write_file(empty / "vocab.json", "{}");  // merges.txt still missing
  EXPECT_NE(error_of([&] { load_tokenizer(empty.string()); }).find("no tokenizer files"),
            std::string::npos);

  const auto gpt2 = kData / "tokenizers" / "gpt2_bpe" / "tokenizer.json";
  auto dir = folder_with("load_bad_eos", gpt2, {{"tokenizer_config.json", R"({"eos_token": 5})"}});
  EXPECT_NE(error_of([&] {
              load_tokenizer(dir.string());
            }).find("tokenizer_config.json: eos_token: expected a token string"),
            std::string::npos);
  dir = folder_with("load_unknown_pad", gpt2,
                    {{"special_tokens_map.json", R"({"pad_token": "<pad>"})"}});
  EXPECT_NE(error_of([&] {
              load_tokenizer(dir.string());
            }).find("special_tokens_map.json: pad_token: \"<pad>\" is not in the vocabulary"),
            std::string::npos);
  dir = folder_with("load_bad_config", gpt2, {{"config.json", R"({"eos_token_id": 50256})"}});
  EXPECT_NE(error_of([&] { load_tokenizer(dir.string()); })
                .find("config.json: eos_token_id: expected an id below the tokenizer's vocabulary "
                      "size 601"),
            std::string::npos);
  dir = folder_with("load_bad_flag", gpt2,
                    {{"tokenizer_config.json", R"({"add_bos_token": "yes"})"}});
  EXPECT_NE(error_of([&] {
              load_tokenizer(dir.string());
            }).find("tokenizer_config.json: add_bos_token: expected true or false"),
            std::string::npos);
  dir = folder_with("load_bad_type", gpt2,
                    {{"tokenizer_config.json",
                      R"({"added_tokens_decoder": {"7": {"content": "<x>", "special": "yes"}}})"}});
  EXPECT_NE(error_of([&] { load_tokenizer(dir.string()); })
                .find("tokenizer_config.json: unexpected JSON type (type must be boolean"),
            std::string::npos);
  dir = folder_with("load_bad_json", gpt2, {{"tokenizer_config.json", "{"}});
  EXPECT_NE(
      error_of([&] { load_tokenizer(dir.string()); }).find("tokenizer_config.json: invalid JSON"),
      std::string::npos);
}

TEST(LoadTokenizer, AddedTokensDecoderOfTokenizerConfig) {
  const auto dir = fresh_dir("load_added_tokens");
  for (const char* file : {"vocab.json", "merges.txt"}) {
    fs::copy_file(kData / "tokenizers" / "gpt2_bpe" / file, dir / file);
  }
  write_file(dir / "tokenizer_config.json",
             R"({"added_tokens_decoder": {"601": {"content": "<pad>", "special": true}},
                 "pad_token": "<pad>"})");
  auto tokenizer = load_tokenizer(dir.string());
  EXPECT_EQ(tokenizer->vocab_size(), 602);
  EXPECT_EQ(tokenizer->special().pad, 601);
  const Ids ids = tokenizer->encode("a<pad>");
  EXPECT_EQ(ids.back(), 601);
  EXPECT_EQ(tokenizer->decode(ids), "a");
  EXPECT_EQ(tokenizer->decode(ids, /*skip_special=*/false), "a<pad>");
}

TEST(SentencepieceTokenizer, PiecesAndControlTokens) {
  amem::text::SentencepieceTokenizer t5(
      (kData / "tokenizers" / "t5_unigram" / "spiece.model").string());
  EXPECT_EQ(t5.id_to_piece(1), "</s>");
  EXPECT_EQ(t5.piece_to_id("</s>"), 1);
  EXPECT_EQ(t5.piece_to_id("<unk>"), 2);
  EXPECT_EQ(t5.piece_to_id("no such piece"), std::nullopt);
  Ids ids = t5.encode("Hello world");
  ids.push_back(1);
  EXPECT_EQ(t5.decode(ids), "Hello world");
  EXPECT_EQ(t5.decode(ids, /*skip_special=*/false), "Hello world</s>");
  EXPECT_NE(error_of([&] { t5.decode({500}); }).find("token id 500 is not in the vocabulary"),
            std::string::npos);
}

TEST(SentencepieceTokenizer, MissingShimOrModelIsOneLineError) {
  const auto model = (kData / "tokenizers" / "t5_unigram" / "spiece.model").string();
  setenv("AMEM_SPM_SHIM", "/nonexistent/libamem_spm.so", 1);
  const std::string shim_error = error_of([&] { amem::text::SentencepieceTokenizer t(model); });
  unsetenv("AMEM_SPM_SHIM");
  EXPECT_NE(shim_error.find("cannot load the sentencepiece wrapper /nonexistent/libamem_spm.so"),
            std::string::npos)
      << shim_error;
  EXPECT_EQ(shim_error.find('\n'), std::string::npos);

  const auto dir = fresh_dir("spm_bad_model");
  write_file(dir / "spiece.model", "not a model");
  EXPECT_NE(error_of([&] {
              load_tokenizer(dir.string());
            }).find((dir / "spiece.model").string() + ": not a sentencepiece model"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              amem::text::SentencepieceTokenizer t("/nonexistent/spiece.model");
            }).find("/nonexistent/spiece.model: no such file"),
            std::string::npos);
}

TEST(LoadTokenizer, EmptyMergesAndATokenizerLargerThanTheModelAreErrors) {
  const auto bpe = kData / "tokenizers" / "gpt2_bpe";
  auto dir = folder_with("load_empty_merges", bpe / "vocab.json", {{"merges.txt", "#version: 0.2\n"}});
  EXPECT_EQ(error_of([&] { load_tokenizer(dir.string()); }),
            (dir / "merges.txt").string() + ": no merges (expected one \"left right\" pair per line)");
  dir = folder_with("load_empty_json_merges", bpe / "tokenizer.json", {});
  auto json = nlohmann::json::parse(amem::testing::read_file(bpe / "tokenizer.json"));
  json["model"]["merges"] = nlohmann::json::array();
  write_file(dir / "tokenizer.json", json.dump());
  EXPECT_NE(error_of([&] { load_tokenizer(dir.string()); }).find("tokenizer.json: model.merges: no merges"),
            std::string::npos);

  // The tiny GPT-2 tokenizer has 601 ids: a config.json with as many (or more) embedding rows
  // fits, one with fewer does not.
  const auto gpt2 = kData / "models" / "tiny-gpt2";
  dir = folder_with("load_vocab_fits", gpt2 / "vocab.json", {{"config.json", R"({"vocab_size": 601})"}});
  fs::copy_file(gpt2 / "merges.txt", dir / "merges.txt");
  EXPECT_EQ(load_tokenizer(dir.string())->vocab_size(), 601);
  write_file(dir / "config.json", R"({"vocab_size": 600})");
  EXPECT_EQ(error_of([&] { load_tokenizer(dir.string()); }),
            (dir / "config.json").string() + ": vocab_size is 600 but the tokenizer " + (dir / "vocab.json").string() +
                " has 601 ids; the model cannot embed ids from 600 on");
}

// decode_continuation gives what the new ids add to the prompt's text, for every tokenizer
// family and every split of a text into prompt and continuation; decoding the new ids alone
// drops sentencepiece's word-initial space ("Who was the" + "▁be" read "Who was thebe").
TEST(LoadTokenizer, AContinuationDecodesAsWhatItAddsToThePrompt) {
  for (const char* model : {"tiny-llama", "tiny-gpt2", "tiny-t5"}) {
    SCOPED_TRACE(model);
    const auto tokenizer = load_tokenizer((kData / "models" / model).string());
    const auto ids = tokenizer->encode_for_model("Who was the best player in the game");
    const std::string whole = tokenizer->decode(ids);
    bool alone_differs = false;
    for (size_t split = 1; split < ids.size(); ++split) {
      const Ids prompt(ids.begin(), ids.begin() + std::ptrdiff_t(split)), rest(ids.begin() + std::ptrdiff_t(split), ids.end());
      EXPECT_EQ(tokenizer->decode(prompt) + tokenizer->decode_continuation(prompt, rest), whole) << split;
      alone_differs = alone_differs || tokenizer->decode(prompt) + tokenizer->decode(rest) != whole;
    }
    // Sentencepiece loses the space when a piece is decoded alone; byte-level BPE keeps it.
    EXPECT_EQ(alone_differs, std::string(model) != "tiny-gpt2");
  }
}
