#include "amem/io/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "amem/core/error.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::io::SafetensorsCheckpoint;
using amem::io::SafetensorsFile;
using amem::testing::fresh_dir;
using amem::testing::write_file;
using namespace std::string_literals;

namespace {

// A file with the given header text and `data_bytes` zero bytes of data, for malformed cases.
void write_raw(const fs::path& path, const std::string& header, size_t data_bytes = 0) {
  std::string bytes(8, '\0');
  uint64_t len = header.size();
  std::memcpy(bytes.data(), &len, 8);
  write_file(path, bytes + header + std::string(data_bytes, '\0'));
}

// The message SafetensorsFile::open throws for `path`, or "" when it opens.
std::string open_error(const fs::path& path) {
  try {
    SafetensorsFile::open(path.string());
  } catch (const amem::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Safetensors, RoundTripsEveryDtypeWithMetadata) {
  auto dir = fresh_dir("st_roundtrip");
  torch::manual_seed(0);
  std::vector<std::pair<std::string, torch::Tensor>> tensors = {
      {"f64", torch::randn({2, 3}, torch::kFloat64)},
      {"f32", torch::randn({4}, torch::kFloat32)},
      {"f16", torch::randn({3, 1, 2}).to(torch::kFloat16)},
      {"bf16", torch::randn({5}).to(torch::kBFloat16)},
      {"i64", torch::arange(-3, 3, torch::kInt64).reshape({2, 3})},
      {"i32", torch::arange(-4, 4, torch::kInt32)},
      {"i16", torch::arange(-2, 2, torch::kInt16)},
      {"i8", torch::arange(-128, 127, 50, torch::kInt8)},
      {"u8", torch::arange(0, 255, 60, torch::kUInt8)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(2.5)},
      {"empty", torch::zeros({0, 4})},
      // Non-contiguous input is stored as its contiguous values.
      {"transposed", torch::arange(6, torch::kFloat32).reshape({2, 3}).t()},
  };
  const auto path = (dir / "all.safetensors").string();
  amem::io::save_safetensors(path, tensors, {{"format", "pt"}});

  auto file = SafetensorsFile::open(path);
  EXPECT_EQ(file->metadata().at("format"), "pt");
  ASSERT_EQ(file->entries().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    auto loaded = file->load(name);
    EXPECT_EQ(loaded.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(loaded.sizes(), t.sizes()) << name;
    EXPECT_TRUE(torch::equal(loaded, t)) << name;
  }
  // Conversion on load: bf16 stored, read as float32 with the same values.
  EXPECT_TRUE(torch::equal(file->load("bf16", torch::kFloat32), tensors[3].second.to(torch::kFloat32)));
  // Every tensor's data is 8-byte aligned, as Hugging Face writes it.
  for (const auto& e : file->entries()) EXPECT_EQ(e.begin % c10::elementSize(e.dtype), 0u) << e.name;
}

TEST(Safetensors, ReadsHuggingFaceCheckpoint) {
  auto ckpt = SafetensorsCheckpoint::open(AMEM_TEST_DATA_DIR "/models/tiny-gpt2");
  const auto& e = ckpt.entry("transformer.wte.weight");
  EXPECT_EQ(e.dtype, torch::kFloat32);
  EXPECT_EQ(e.shape, (std::vector<int64_t>{601, 64}));
  auto wte = ckpt.load("transformer.wte.weight");
  EXPECT_GT(wte.abs().sum().item<double>(), 0.0);
}

TEST(Safetensors, ShardedCheckpointRoundTrip) {
  auto dir = fresh_dir("st_sharded");
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (int i = 0; i < 5; ++i) tensors.emplace_back("layer." + std::to_string(i), torch::full({10}, float(i)));
  amem::io::save_safetensors_sharded(dir.string(), tensors, /*max_shard_bytes=*/80);
  EXPECT_TRUE(fs::exists(dir / "model.safetensors.index.json"));
  EXPECT_TRUE(fs::exists(dir / "model-00003-of-00003.safetensors"));
  EXPECT_FALSE(fs::exists(dir / "model.safetensors"));

  auto ckpt = SafetensorsCheckpoint::open(dir.string());
  EXPECT_EQ(ckpt.files().size(), 3u);
  ASSERT_EQ(ckpt.names().size(), 5u);
  for (const auto& [name, t] : tensors) EXPECT_TRUE(torch::equal(ckpt.load(name), t)) << name;

  // A small checkpoint is one plain file with no index.
  auto single = fresh_dir("st_single");
  amem::io::save_safetensors_sharded(single.string(), tensors, 1 << 20);
  EXPECT_TRUE(fs::exists(single / "model.safetensors"));
  EXPECT_FALSE(fs::exists(single / "model.safetensors.index.json"));
}

TEST(Safetensors, RejectsMalformedFilesEachWithItsOwnMessage) {
  auto dir = fresh_dir("st_malformed");
  const std::string ok_entry = R"("t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  struct Case {
    std::string name, header;
    size_t data;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"not_json", "{\"t\": [", 8, "header is not valid JSON"},
      {"not_object", "[1,2]", 0, "header is not a JSON object"},
      {"unknown_dtype", R"({"t":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}})", 2, "unknown dtype 'F8'"},
      {"no_shape", R"({"t":{"dtype":"F32","data_offsets":[0,8]}})", 8, "field 'shape' missing"},
      {"negative_dim", R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8,
       "'shape' must hold non-negative integers"},
      {"size_mismatch", R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8,
       "shape and dtype need 12 bytes but data_offsets span 8"},
      {"reversed_offsets", R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8,
       "data_offsets must be [begin, end]"},
      {"out_of_range", "{" + ok_entry + "}", 4, "truncated: the header's tensors need 8 bytes of data but the file holds 4"},
      {"overlap", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       12, "tensors 'a' and 'b' overlap"},
      {"bad_metadata", R"({"__metadata__":{"k":1},)" + ok_entry + "}", 8, "__metadata__.k is not a string"},
      {"huge_shape", R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8,
       "shape's byte size overflows 64 bits"},
  };
  for (const auto& c : cases) {
    auto path = dir / (c.name + ".safetensors");
    write_raw(path, c.header, c.data);
    const std::string message = open_error(path);
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.name << ": " << message;
    EXPECT_NE(message.find(path.string()), std::string::npos) << c.name << ": " << message;
  }

  // Truncation: a file shorter than the length field, and a length field beyond the file.
  write_file(dir / "tiny.safetensors", "abc");
  EXPECT_NE(open_error(dir / "tiny.safetensors").find("truncated: 3 bytes"), std::string::npos);
  std::string cut(8, '\0');
  cut[0] = 100;
  write_file(dir / "cut.safetensors", cut + "{}");
  EXPECT_NE(open_error(dir / "cut.safetensors").find("header length 100 exceeds the file size"),
            std::string::npos);
}

TEST(Safetensors, RejectsBrokenShardIndexAndAbsentNames) {
  auto dir = fresh_dir("st_index");
  amem::io::save_safetensors((dir / "a.safetensors").string(), {{"x", torch::ones({2})}});
  auto message_for = [&](const std::string& index) {
    write_file(dir / "model.safetensors.index.json", index);
    try {
      SafetensorsCheckpoint::open(dir.string());
    } catch (const amem::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message_for(R"({"weight_map":{"x":"missing.safetensors"}})").find("names missing shard"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"weight_map":{"y":"a.safetensors"}})").find("tensor 'y' is not in its shard"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"weights":{}})").find("'weight_map' missing"), std::string::npos);
  EXPECT_NE(message_for("{oops").find("not valid JSON"), std::string::npos);
  EXPECT_NE(message_for(R"({"weight_map":{"x":"a.safetensors","x":"b.safetensors"}})").find("key 'x' appears twice"),
            std::string::npos);

  auto empty = fresh_dir("st_empty_dir");
  EXPECT_THROW(
      {
        try {
          SafetensorsCheckpoint::open(empty.string());
        } catch (const amem::Error& e) {
          EXPECT_NE(std::string(e.what()).find("no model.safetensors"), std::string::npos);
          throw;
        }
      },
      amem::Error);
  auto file = SafetensorsFile::open((dir / "a.safetensors").string());
  EXPECT_THROW(file->load("nope"), amem::Error);
  EXPECT_THROW(amem::io::save_safetensors((dir / "dup.safetensors").string(),
                                          {{"x", torch::ones({1})}, {"x", torch::ones({1})}}),
               amem::Error);
  EXPECT_FALSE(fs::exists(dir / "dup.safetensors"));
}

// Each rule of the reference reader (huggingface/safetensors, safetensors/src/tensor.rs
// read_metadata and Metadata::validate; README.md's format notes), from both sides: the file
// just inside the rule opens, the one just outside fails with the rule's own message.
TEST(Safetensors, FollowsTheReferenceReadersRulesOnBothSides) {
  auto dir = fresh_dir("st_reference_rules");
  const std::string a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string b_at = R"("b":{"dtype":"I16","shape":[2],"data_offsets":[)";
  struct Case {
    std::string name, header;
    size_t data;
    std::string expected;  // "" = opens
  };
  const std::vector<Case> cases = {
      // Whitespace around the JSON object is allowed: the reference writer pads with trailing
      // spaces, and its JSON parser skips leading whitespace too (tensor.rs's test
      // test_whitespace_leading_padded_header). A NUL is not whitespace.
      {"space_padding", "{" + a + "}   ", 8, ""},
      {"leading_whitespace", "\t\n{" + a + "}\r ", 8, ""},
      {"nul_padding", "{" + a + "}\0\0\0"s, 8, "header has a NUL byte at byte"},
      {"trailing_text", "{" + a + "} x", 8, "header is not valid JSON"},
      // UTF-8 names are fine; bytes that are not UTF-8 are not (InvalidHeader).
      {"utf8_name", R"({"é":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8, ""},
      {"latin1_name", "{\"\xe9\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
       "header is not valid UTF-8 (byte 2)"},
      // Duplicate keys are disallowed (README.md), at the top and inside an entry.
      {"distinct_names", "{" + a + "," + b_at + "8,12]}}", 12, ""},
      {"duplicate_name", "{" + a + "," + a + "}", 8, "header: key 'a' appears twice"},
      {"duplicate_field", R"({"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8,
       "header: nested key 'dtype' appears twice"},
      // The tensors tile the data section (InvalidOffset): back to back from 0, in any header order.
      {"out_of_order", "{" + b_at + "8,12]}," + a + "}", 12, ""},
      {"gap_between", "{" + a + "," + b_at + "10,14]}}", 14, "gap of 2 bytes before tensor 'b' (data_offsets begin 10, the previous tensor 'a' ends at 8)"},
      {"gap_at_start", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12,
       "gap of 4 bytes before tensor 'a' (data_offsets begin 4, the data starts at 0)"},
      {"overlap", "{" + a + "," + b_at + "6,10]}}", 10, "tensors 'a' and 'b' overlap"},
      // Empty tensors take no bytes and may sit anywhere in the tiling.
      {"empty_tensor", R"({"e":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]},)" + a + "}", 8, ""},
      // The last tensor ends at the end of the file (MetadataIncompleteBuffer).
      {"trailing_bytes", "{" + a + "}", 9, "1 trailing bytes after the last tensor's data"},
      {"no_tensors_no_data", "{}", 0, ""},
      {"no_tensors_with_data", "{}", 8, "8 trailing bytes after the last tensor's data"},
  };
  for (const auto& c : cases) {
    auto path = dir / (c.name + ".safetensors");
    write_raw(path, c.header, c.data);
    const std::string message = open_error(path);
    if (c.expected.empty()) {
      EXPECT_EQ(message, "") << c.name;
    } else {
      EXPECT_NE(message.find(path.string() + ": "), std::string::npos) << c.name << ": " << message;
      EXPECT_NE(message.find(c.expected), std::string::npos) << c.name << ": " << message;
    }
  }
  // The spaces-padded header of our own writer and of Hugging Face's files open.
  EXPECT_EQ(open_error(AMEM_TEST_DATA_DIR "/models/tiny-llama/model.safetensors"), "");

  // The header length: at most 100 MB (HeaderTooLarge), and inside the file (InvalidHeaderLength).
  std::string length(8, '\0');
  uint64_t n = 100'000'001;
  std::memcpy(length.data(), &n, 8);
  write_file(dir / "huge_header.safetensors", length + "{}");
  EXPECT_NE(open_error(dir / "huge_header.safetensors").find("is over the format's 100 MB limit"), std::string::npos);
  n = 3;
  std::memcpy(length.data(), &n, 8);
  write_file(dir / "long_header.safetensors", length + "{}");
  EXPECT_NE(open_error(dir / "long_header.safetensors").find("header length 3 exceeds the file size (10 bytes)"),
            std::string::npos);
  n = 2;
  std::memcpy(length.data(), &n, 8);
  write_file(dir / "exact_header.safetensors", length + "{}");
  EXPECT_EQ(open_error(dir / "exact_header.safetensors"), "");
}

TEST(Safetensors, LoadRefusesNonFiniteValuesAndNonFloatConversions) {
  auto dir = fresh_dir("st_load_rules");
  const auto path = (dir / "t.safetensors").string();
  amem::io::save_safetensors(path, {{"finite", torch::tensor({1.0f, -2.0f})},
                                    {"nan", torch::tensor({1.0f, std::nanf("")})},
                                    {"inf", torch::tensor({-INFINITY, 0.0f})},
                                    {"big", torch::tensor({1e6f})},
                                    {"ints", torch::tensor({1, 2}, torch::kInt32)},
                                    {"half", torch::tensor({0.5}).to(torch::kFloat16)}});
  auto file = SafetensorsFile::open(path);
  auto load_error = [&](const std::string& name, std::optional<torch::ScalarType> dtype) {
    try {
      file->load(name, dtype);
    } catch (const amem::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(load_error("finite", {}), "");
  EXPECT_EQ(load_error("nan", {}), path + ": tensor 'nan' holds NaN or infinite values");
  EXPECT_EQ(load_error("inf", torch::kFloat64), path + ": tensor 'inf' holds NaN or infinite values as F64 (stored as F32)");
  // A finite value that a narrower type cannot hold becomes infinite: refused too.
  EXPECT_EQ(load_error("big", {}), "");
  EXPECT_EQ(load_error("big", torch::kFloat16), path + ": tensor 'big' holds NaN or infinite values as F16 (stored as F32)");
  // Floating-point types convert among themselves; integers are read only as what they are.
  EXPECT_EQ(load_error("half", torch::kFloat32), "");
  EXPECT_EQ(load_error("half", torch::kBFloat16), "");
  EXPECT_EQ(load_error("ints", {}), "");
  EXPECT_EQ(load_error("ints", torch::kFloat32),
            path + ": tensor 'ints' is stored as I32 but is read as F32 (only F64, F32, F16 and BF16 convert among themselves)");
  EXPECT_EQ(load_error("ints", torch::kInt64), path + ": tensor 'ints' is stored as I32 but is read as I64 (only F64, F32, F16 and BF16 convert among themselves)");
  EXPECT_EQ(load_error("finite", torch::kInt32), path + ": tensor 'finite' is stored as F32 but is read as I32 (only F64, F32, F16 and BF16 convert among themselves)");
}
