// Reading torch.save archives without Python (io/torch_save.h).
#include "amem/io/torch_save.h"

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/error_of.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using amem::io::PickleValue;

const fs::path kFixture = fs::path(AMEM_SOURCE_DIR) / "tests" / "data" / "torch_save" / "state_dict.pt";

const PickleValue& entry(const PickleValue& dict, const std::string& key) {
  for (const auto& [k, v] : *dict.entries)
    if (k.text == key) return v;
  throw std::runtime_error("no key " + key);
}

// scripts/fixtures/torch_save_state_dict.py: a state dict as a MAC reference checkpoint holds it.
TEST(TorchSave, ReadsAStateDictAsTorchSaveWritesIt) {
  const auto root = amem::io::read_torch_save(kFixture.string());
  ASSERT_EQ(root.kind, PickleValue::Kind::kDict);
  EXPECT_EQ(entry(root, "epoch").integer, 7);
  const auto& state = entry(root, "state_dict");
  ASSERT_EQ(state.kind, PickleValue::Kind::kDict);  // an OrderedDict with _metadata
  std::vector<std::string> keys;
  for (const auto& [k, v] : *state.entries) keys.push_back(k.text);
  EXPECT_EQ(keys, (std::vector<std::string>{"enc.shared.weight", "enc.encoder.embed_tokens.weight", "transposed", "half"}));

  // Saved on cuda:0, read onto the CPU.
  const auto shared = entry(state, "enc.shared.weight").tensor;
  EXPECT_TRUE(shared.device().is_cpu());
  EXPECT_TRUE(torch::equal(shared, torch::tensor({0.5f, -1.0f, 2.0f, 3.25f, -4.5f, 6.0f}).view({2, 3})));
  // Tied names share one storage.
  const auto tied = entry(state, "enc.encoder.embed_tokens.weight").tensor;
  EXPECT_EQ(tied.data_ptr(), shared.data_ptr());
  // A view: offset 1, strides (1, 3).
  EXPECT_TRUE(torch::equal(entry(state, "transposed").tensor, torch::tensor({-1.0f, -4.5f, 2.0f, 6.0f}).view({2, 2})));
  const auto half = entry(state, "half").tensor;
  EXPECT_EQ(half.scalar_type(), torch::kHalf);
  EXPECT_TRUE(torch::equal(half.to(torch::kFloat), torch::tensor({1.5f, -2.0f, 0.25f})));
}

std::string unicode(const std::string& text) {
  std::string out = "X";
  for (int i = 0; i < 4; ++i) out.push_back(char((text.size() >> (8 * i)) & 0xff));
  return out + text;
}

// An archive holding `pickle` as data.pkl and `storage` as data/0.
fs::path archive(const std::string& name, const std::string& pickle, const std::string& storage) {
  const auto path = amem::testing::fresh_dir("torch_save_" + name) / "archive.pt";
  caffe2::serialize::PyTorchStreamWriter writer(path.string());
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  writer.writeRecord("data/0", storage.data(), storage.size());
  writer.writeEndOfFile();
  return path;
}

// A float tensor of `numel` elements (< 256) over storage record "0", as torch.save pickles it.
std::string tensor_pickle(int numel) {
  std::string p = "\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n((";
  p += unicode("storage") + "ctorch\nFloatStorage\n" + unicode("0") + unicode("cpu");
  p += {'K', char(numel), 't', 'Q'};             // numel; the persistent id
  p += {'K', '\0'};                               // storage offset
  p += {'K', char(numel), '\x85', 'K', '\x01', '\x85'};  // size (numel,), stride (1,)
  p += {'\x89', 'N', 't', 'R', '.'};             // requires_grad False, hooks None
  return p;
}

TEST(TorchSave, ReadsAWriterMadeArchive) {
  const float values[2] = {1.5f, -3.0f};
  const auto path = archive("ok", tensor_pickle(2), std::string(reinterpret_cast<const char*>(values), sizeof values));
  const auto v = amem::io::read_torch_save(path.string());
  ASSERT_EQ(v.kind, PickleValue::Kind::kTensor);
  EXPECT_TRUE(torch::equal(v.tensor, torch::tensor({1.5f, -3.0f})));
}

TEST(TorchSave, StorageOfTheWrongSizeIsAnError) {
  const auto path = archive("short", tensor_pickle(10), std::string(4, '\0'));
  EXPECT_EQ(amem::testing::error_of([&] { amem::io::read_torch_save(path.string()); }),
            path.string() + ": storage record 'data/0' holds 4 bytes, expected 40 (10 x torch.FloatStorage)");
}

TEST(TorchSave, NoOtherGlobalIsCalled) {
  const auto path = archive("global", std::string("\x80\x02") + "cos\nsystem\n" + unicode("true") + "\x85R.", "");
  const auto message = amem::testing::error_of([&] { amem::io::read_torch_save(path.string()); });
  EXPECT_NE(message.find(": unsupported global os.system"), std::string::npos) << message;
  EXPECT_EQ(message.rfind(path.string() + ": data.pkl at byte ", 0), 0u) << message;
}

TEST(TorchSave, NotAnArchive) {
  const auto path = amem::testing::fresh_dir("torch_save_text") / "notes.pt";
  amem::testing::write_file(path, "not a zip\n");
  const auto message = amem::testing::error_of([&] { amem::io::read_torch_save(path.string()); });
  EXPECT_EQ(message.rfind(path.string() + ": not a readable torch.save zip archive (", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

}  // namespace
