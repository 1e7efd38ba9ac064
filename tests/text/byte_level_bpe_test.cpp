#include "amem/text/byte_level_bpe.h"

#include <gtest/gtest.h>

#include <functional>

#include "amem/core/error.h"
#include "support/temp_dir.h"
#include "support/error_of.h"

using amem::testing::error_of;

namespace {

using amem::testing::fresh_dir;
using amem::testing::write_file;
using amem::text::ByteLevelBpe;
using Ids = std::vector<int64_t>;

// A hand-made vocabulary in GPT-2's byte-level alphabet: "Ġ" is the space, "Ċ" the newline,
// "Ã" + "©" the two bytes of "é".
const char* kVocab = R"({"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "Ġa": 5, "abc": 6, "Ġab": 7,
  "aa": 8, "Ċ": 9, "Ã": 10, "©": 11})";
const char* kMerges = "#version: 0.2\na b\nĠ a\nab c\nĠa b\na a\n";

std::unique_ptr<ByteLevelBpe> tiny(const std::string& name, const std::string& vocab = kVocab,
                                   const std::string& merges = kMerges) {
  const auto dir = fresh_dir(name);
  write_file(dir / "vocab.json", vocab);
  write_file(dir / "merges.txt", merges);
  return ByteLevelBpe::from_vocab_and_merges((dir / "vocab.json").string(),
                                             (dir / "merges.txt").string());
}

}  // namespace

TEST(ByteLevelBpe, MergesByRank) {
  auto bpe = tiny("bpe_rank");
  // " abc": (a,b) has rank 0 and goes first, although (Ġ,a) also has a merge, so "Ġab" is
  // never formed: Ġ a b c -> Ġ ab c -> Ġ abc.
  EXPECT_EQ(bpe->encode(" abc"), (Ids{3, 6}));
  EXPECT_EQ(bpe->encode(" ab"), (Ids{3, 4}));
  EXPECT_EQ(bpe->encode(" a"), (Ids{5}));
  // Occurrences of one pair merge from the left: a a a -> aa a.
  EXPECT_EQ(bpe->encode("aaa"), (Ids{8, 0}));
  // a a b: (a,b) first; the (a,a) pair it broke up is gone.
  EXPECT_EQ(bpe->encode("aab"), (Ids{0, 4}));
  EXPECT_EQ(bpe->encode(std::string(20001, 'a')), [] {
    Ids ids(10000, 8);
    ids.push_back(0);
    return ids;
  }());
  EXPECT_EQ(bpe->encode("abc abc"), (Ids{6, 3, 6}));  // the second word hits the cache
  EXPECT_EQ(bpe->encode(""), Ids{});
}

TEST(ByteLevelBpe, MapsBytesThroughTheByteLevelAlphabet) {
  auto bpe = tiny("bpe_bytes");
  EXPECT_EQ(bpe->encode("\xc3\xa9\n"), (Ids{10, 11, 9}));
  EXPECT_EQ(bpe->decode({10, 11, 9}), "\xc3\xa9\n");
  EXPECT_EQ(bpe->decode({10}), "\xef\xbf\xbd");  // half a character: U+FFFD
  // Input that is not UTF-8 still encodes byte by byte ("\xc3" alone is the piece "Ã").
  EXPECT_EQ(bpe->encode("a\xc3"), (Ids{0, 10}));
  EXPECT_EQ(bpe->decode({3, 6}), " abc");
  EXPECT_EQ(bpe->vocab_size(), 12);
  EXPECT_EQ(bpe->id_to_piece(7),
            "\xc4\xa0"
            "ab");
  EXPECT_EQ(bpe->piece_to_id("\xc4\xa0"
                             "a"),
            5);
  EXPECT_EQ(bpe->piece_to_id("zz"), std::nullopt);
  EXPECT_NE(error_of([&] { bpe->encode("d"); }).find("no piece for byte 0x64"), std::string::npos);
  EXPECT_NE(error_of([&] { bpe->decode({12}); }).find("token id 12 is not in the vocabulary"),
            std::string::npos);
}

TEST(ByteLevelBpe, AddedTokensMatchWholeAndSpecialOnesAreSkippedInDecode) {
  auto bpe = tiny("bpe_added");
  bpe->add_token({12, "<|endoftext|>", true});
  bpe->add_token({13, "<abc>", false});
  EXPECT_EQ(bpe->encode("abc<|endoftext|>a<abc>"), (Ids{6, 12, 0, 13}));
  EXPECT_EQ(bpe->decode({6, 12, 0, 13}), "abca<abc>");
  EXPECT_EQ(bpe->decode({6, 12, 0, 13}, /*skip_special=*/false), "abc<|endoftext|>a<abc>");
  EXPECT_EQ(bpe->vocab_size(), 14);
  EXPECT_NE(error_of([&] {
              bpe->add_token({4, "<x>", true});
            }).find("already holds \"ab\""),
            std::string::npos);
}

TEST(ByteLevelBpe, TokenizerJsonWithPairMergesEqualsVocabAndMerges) {
  const auto dir = fresh_dir("bpe_json");
  write_file(dir / "tokenizer.json",
             std::string(R"({"added_tokens": [{"id": 12, "content": "<|endoftext|>",
    "special": true}], "normalizer": null, "pre_tokenizer": {"type": "ByteLevel",
    "add_prefix_space": false, "use_regex": true}, "model": {"type": "BPE", "vocab": )") +
                 kVocab +
                 R"(, "merges": [["a", "b"], ["Ġ", "a"], "ab c", ["Ġa", "b"], ["a", "a"]]}})");
  auto from_json = ByteLevelBpe::from_tokenizer_json((dir / "tokenizer.json").string());
  auto from_text = tiny("bpe_json_text");
  for (const char* text : {" abc", "aaa", " ab\n", "\xc3\xa9 aa"}) {
    EXPECT_EQ(from_json->encode(text), from_text->encode(text)) << text;
  }
  EXPECT_EQ(from_json->encode("a<|endoftext|>"), (Ids{0, 12}));
}

TEST(ByteLevelBpe, MalformedFilesAreOneLineErrors) {
  EXPECT_NE(error_of([] { tiny("bpe_bad_json", "{\"a\": 0,"); }).find("vocab.json: invalid JSON"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              tiny("bpe_bad_id", R"({"a": "zero"})");
            }).find("vocab.json: the id of \"a\" is not a non-negative integer"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              tiny("bpe_bad_line", kVocab, "#version: 0.2\na b\na b c\n");
            }).find("merges.txt: line 3: expected two tokens separated by one space"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              tiny("bpe_unknown_merge", kVocab, "a b\nb c\n");
            }).find("merge 2 uses \"bc\", which is not in the vocabulary"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              ByteLevelBpe::from_vocab_and_merges("/nonexistent/vocab.json", "m");
            }).find("/nonexistent/vocab.json: cannot be read"),
            std::string::npos);

  const auto dir = fresh_dir("bpe_bad_tokenizer_json");
  write_file(dir / "tokenizer.json", R"({"model": {"type": "Unigram", "vocab": []}})");
  EXPECT_NE(error_of([&] {
              ByteLevelBpe::from_tokenizer_json((dir / "tokenizer.json").string());
            }).find("tokenizer.json: model.type: expected \"BPE\""),
            std::string::npos);
  write_file(dir / "tokenizer.json", std::string(R"({"pre_tokenizer": {"type": "ByteLevel"},
    "model": {"type": "BPE", "vocab": )") +
                                         kVocab + R"(, "merges": ["a b", ["a"]]}})");
  EXPECT_NE(
      error_of([&] {
        ByteLevelBpe::from_tokenizer_json((dir / "tokenizer.json").string());
      }).find("tokenizer.json: model.merges[1]: expected \"left right\" or [\"left\", \"right\"]"),
      std::string::npos);
}
