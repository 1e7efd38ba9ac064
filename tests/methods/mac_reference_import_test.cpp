// Importing MAC checkpoints written by the reference code (methods/mac/reference_checkpoint.h).
//
// The goldens in tests/data/mac_reference/ come from scripts/device/make_mac_reference_checkpoint.py:
// a tiny checkpoint saved by torch.save from the reference's module layout, and the modulations,
// aggregations and prefixes the reference's forward computes with it under its padding. The other
// tests write reference-layout checkpoints here with LibTorch's torch.save-compatible writer
// (torch::pickle_save) to check the mapping and every kind of bad key.
#include "amem/methods/mac/reference_checkpoint.h"

#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/io/safetensors.h"
#include "amem/methods/mac/mac_model.h"
#include "amem/models/model_settings.h"
#include "support/error_of.h"
#include "support/run_amem.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using amem::methods::MacModel;

const fs::path kSource = AMEM_SOURCE_DIR;
const fs::path kGoldens = kSource / "tests" / "data" / "mac_reference";

// configs/mac/tiny_gpt2.yaml at the sizes the device script builds (its SIZES) and with the
// reference's padding (docs/reference_protocol.md §8) at the tiny sizes.
std::vector<std::string> reference_overrides() {
  const auto models = kSource / "tests" / "data" / "models";
  return {"model.path=" + (models / "tiny-gpt2").string(),
          "mac.amortizer=" + (models / "tiny-t5").string(),
          "mac.question_encoder=" + (models / "tiny-t5").string(),
          "mac.num_virtual_tokens=3",
          "mac.max_document_tokens=48",
          "mac.pad_documents_to=48",
          "mac.decoder_masks_padding=false",
          "mac.train_question_layout=left_pad:24",
          "mac.eval_question_layout=append_pads:128"};
}

const std::string kConfig = (kSource / "configs" / "mac" / "tiny_gpt2.yaml").string();

amem::config::Config tiny_config() {
  return amem::config::load_config(amem::config::amem_schema(), kConfig, reference_overrides());
}

std::unique_ptr<MacModel> tiny_mac(uint64_t seed) {
  torch::manual_seed(seed);
  const auto config = tiny_config();
  return std::make_unique<MacModel>(amem::methods::MacSettings::from(config), amem::models::ModelSettings::from(config),
                                    MacModel::BaseLm::kShapeOnly);
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// amem's networks under the reference's names (docs/reference_protocol.md §16.2), written out
// here from the table rather than from the importer's code.
c10::Dict<std::string, at::Tensor> reference_layout(amem::methods::MacNetworksImpl& networks) {
  c10::Dict<std::string, at::Tensor> out;
  const auto put = [&](const std::string& key, const torch::Tensor& value) { out.insert(key, value.detach().clone()); };
  // A TokenMlpBank's stacked field -> one reference key per token; Linear weights are [out, in].
  const auto put_stacked = [&](const std::string& prefix, const std::string& field, const torch::Tensor& value,
                               const std::string& norm, const std::string& hidden, const std::string& output) {
    const std::map<std::string, std::pair<std::string, bool>> layer = {
        {"norm_weight", {norm + ".weight", false}},  {"norm_bias", {norm + ".bias", false}},
        {"hidden_weight", {hidden + ".weight", true}}, {"hidden_bias", {hidden + ".bias", false}},
        {"output_weight", {output + ".weight", true}}, {"output_bias", {output + ".bias", false}},
        {"skip_weight", {"skip.weight", true}},        {"skip_bias", {"skip.bias", false}}};
    const auto& [leaf, transposed] = layer.at(field);
    for (int64_t i = 0; i < value.size(0); ++i)
      put(prefix + std::to_string(i) + "." + leaf, transposed ? value[i].t() : value[i]);
  };
  const std::map<std::string, std::string> block = {
      {"norm_query", "norm1"}, {"norm_memory", "norm_context"}, {"to_q", "attn.to_q"},    {"to_k", "attn.to_k"},
      {"to_v", "attn.to_v"},   {"to_out", "attn.to_out.0"},     {"norm_mlp", "norm2"},     {"mlp_in", "mlp.net.0"},
      {"mlp_out", "mlp.net.3"}};
  for (const auto& p : networks.named_parameters()) {
    const auto& name = p.key();
    const auto& value = p.value();
    for (const auto& [ours, reference, mlps] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"amortizer.", "enc_decoder.", "mlps."},
             {"aggregator.question_encoder.", "aggregator.question_encoder.", "aggregator.mlps."}}) {
      if (!starts_with(name, ours)) continue;
      const auto rest = name.substr(ours.size());
      if (starts_with(rest, "t5.")) {
        put(reference + rest.substr(3), value);
        if (rest == "t5.shared.weight") {  // T5's tied embeddings, saved under three names
          put(reference + "encoder.embed_tokens.weight", value);
          put(reference + "decoder.embed_tokens.weight", value);
        }
      } else if (rest == "queries") {
        put(reference + "learnable_prompts", value);
      } else {
        put_stacked(mlps, rest.substr(std::string("token_mlps.").size()), value, "mlp.0", "mlp.1", "mlp.3");
      }
    }
    if (starts_with(name, "aggregator.blocks.")) {
      const auto rest = name.substr(std::string("aggregator.blocks.").size());
      const auto first = rest.find('.'), last = rest.rfind('.');
      put("aggregator.cross_attention_list." + rest.substr(0, first) + "." +
              block.at(rest.substr(first + 1, last - first - 1)) + rest.substr(last),
          value);
    }
    if (starts_with(name, "to_prefix.token_mlps."))
      put_stacked("token_SA.mlp_layers.", name.substr(std::string("to_prefix.token_mlps.").size()), value, "net.0",
                  "net.1", "net.4");
  }
  return out;
}

// Writes {'state_dict': state} as torch.save does (zip archive, pickled dict).
void save_reference(const fs::path& path, const c10::Dict<std::string, at::Tensor>& state) {
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert("state_dict", state);
  const auto bytes = torch::pickle_save(root);
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

void expect_same_parameters(amem::methods::MacNetworksImpl& a, amem::methods::MacNetworksImpl& b) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
}

// The error importing `state` into fresh networks gives; the networks must stay as they were.
std::string import_error(const fs::path& path, const c10::Dict<std::string, at::Tensor>& state) {
  save_reference(path, state);
  auto mac = tiny_mac(3);
  const auto before = mac->networks()->amortizer->queries.clone();
  const auto message = amem::testing::error_of([&] {
    amem::methods::import_reference_state_dict(*mac->networks(), amem::methods::read_reference_checkpoint(path.string()),
                                               path.string());
  });
  EXPECT_TRUE(torch::equal(before, mac->networks()->amortizer->queries)) << "a failed import changed the networks";
  return message;
}

class ReferenceLayout : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = amem::testing::fresh_dir("mac_reference_import_" +
                                    std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    trained_ = tiny_mac(1);
    {  // as if trained: the T5s move away from the folder's weights that any MacModel starts from
      torch::NoGradGuard no_grad;
      for (auto& p : trained_->networks()->parameters()) p.add_(torch::randn_like(p) * 0.05);
    }
    state_ = reference_layout(*trained_->networks());
  }
  fs::path dir_;
  std::unique_ptr<MacModel> trained_;
  c10::Dict<std::string, at::Tensor> state_;
};

TEST_F(ReferenceLayout, ImportFillsEveryParameter) {
  const auto path = dir_ / "best_f1.pt";
  save_reference(path, state_);
  const auto read = amem::methods::read_reference_checkpoint(path.string());
  EXPECT_EQ(read.size(), state_.size());
  auto fresh = tiny_mac(2);
  EXPECT_FALSE(torch::equal(fresh->networks()->amortizer->queries, trained_->networks()->amortizer->queries));
  amem::methods::import_reference_state_dict(*fresh->networks(), read, path.string());
  expect_same_parameters(*trained_->networks(), *fresh->networks());
}

TEST_F(ReferenceLayout, MisshapenKeyNamesItAndTheExpectedShape) {
  const std::string key = "aggregator.cross_attention_list.1.attn.to_out.0.weight";
  state_.insert_or_assign(key, torch::zeros({64, 3}));
  EXPECT_EQ(import_error(dir_ / "c.pt", state_),
            (dir_ / "c.pt").string() + ": key '" + key + "': shape [64, 3], expected [64, 64]");
  // A per-token MLP of the prefix (stacked in amem): its own key and shape.
  auto state = reference_layout(*trained_->networks());
  state.insert_or_assign("token_SA.mlp_layers.5.net.1.bias", torch::zeros({65}));
  EXPECT_EQ(import_error(dir_ / "d.pt", state),
            (dir_ / "d.pt").string() + ": key 'token_SA.mlp_layers.5.net.1.bias': shape [65], expected [64]");
}

TEST_F(ReferenceLayout, MissingKeyNamesItAndTheExpectedShape) {
  ASSERT_EQ(state_.erase("mlps.2.mlp.0.bias"), 1u);
  EXPECT_EQ(import_error(dir_ / "c.pt", state_),
            (dir_ / "c.pt").string() + ": missing key 'mlps.2.mlp.0.bias' (expected shape [64])");
}

TEST_F(ReferenceLayout, UnexpectedKeyIsAnError) {
  // A third cross-attention block: the checkpoint's aggregator is deeper than the config's.
  state_.insert("aggregator.cross_attention_list.2.norm1.weight", torch::ones({64}));
  EXPECT_EQ(import_error(dir_ / "c.pt", state_),
            (dir_ / "c.pt").string() + ": unexpected key 'aggregator.cross_attention_list.2.norm1.weight' (shape [64]): "
                                       "it maps to no parameter of the MAC networks this config builds");
}

TEST_F(ReferenceLayout, UntiedEmbeddingCopyIsAnError) {
  state_.insert_or_assign("enc_decoder.decoder.embed_tokens.weight", torch::zeros({500, 64}));
  EXPECT_EQ(import_error(dir_ / "c.pt", state_),
            (dir_ / "c.pt").string() +
                ": key 'enc_decoder.decoder.embed_tokens.weight' differs from 'enc_decoder.shared.weight' "
                "(amem's T5 ties its token embeddings)");
}

TEST_F(ReferenceLayout, QuantizedCheckpointIsRefused) {
  // What bitsandbytes' Params4bit leaves in a state dict (the reference's LLaMA runs).
  const std::string key = "enc_decoder.encoder.block.0.layer.0.SelfAttention.q.weight";
  state_.insert_or_assign(key, torch::zeros({2048, 1}, torch::kUInt8));
  state_.insert(key + ".absmax", torch::ones({64}));
  const auto message = import_error(dir_ / "c.pt", state_);
  EXPECT_NE(message.find("key '" + key + "' is a bitsandbytes-quantized weight"), std::string::npos) << message;
}

TEST_F(ReferenceLayout, NotATorchSaveArchive) {
  const auto path = dir_ / "c.pt";
  amem::testing::write_file(path, "not a zip archive\n");
  const auto message = amem::testing::error_of([&] { amem::methods::read_reference_checkpoint(path.string()); });
  EXPECT_EQ(message.rfind(path.string() + ": not a readable torch.save zip archive (", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  // A zip that torch.save did not write: LibTorch's internal check text is translated.
  const auto zip = dir_ / "other.pt";
  {
    // The smallest zip archive torch.save's reader opens: one empty stored member 'x/a' (the
    // reader wants its records in one folder), then the central directory.
    const unsigned char bytes[] = {
        0x50, 0x4b, 0x3, 0x4, 0x14, 0, 0, 0, 0, 0, 0, 0, 0x21, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3, 0, 0, 0, 0x78, 0x2f,
        0x61, 0x50, 0x4b, 0x1, 0x2, 0x14, 0, 0x14, 0, 0, 0, 0, 0, 0, 0, 0x21,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x1, 0, 0, 0, 0, 0x78,
        0x2f, 0x61, 0x50, 0x4b, 0x5, 0x6, 0, 0, 0, 0, 0x1, 0, 0x1, 0, 0x31, 0,
        0, 0, 0x21, 0, 0, 0, 0, 0};
    std::ofstream(zip, std::ios::binary).write(reinterpret_cast<const char*>(bytes), sizeof bytes);
  }
  EXPECT_EQ(amem::testing::error_of([&] { amem::methods::read_reference_checkpoint(zip.string()); }),
            zip.string() + ": not a readable torch.save zip archive (a zip archive without torch.save's 'version' "
                           "record)");
}

TEST_F(ReferenceLayout, MissingOrFolderReferenceIsAUsageError) {
  for (const auto& reference : {dir_ / "absent.pt", dir_}) {
    const auto result = amem::testing::run_amem("mac import --reference '" + reference.string() + "' --out '" +
                                                (dir_ / "out").string() + "' '" + kConfig + "'");
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_EQ(amem::testing::error_line(result),
              "amem: error: mac import: --reference " + reference.string() + ": " +
                  (reference == dir_ ? "not a file" : "no such file") + " (give the reference's .pt checkpoint)");
  }
}

TEST_F(ReferenceLayout, CommandWritesTheModelFolderEvalReads) {
  const auto path = dir_ / "last_epoch.pt", out = dir_ / "imported";
  save_reference(path, state_);
  std::string command = "mac import --reference '" + path.string() + "' --out '" + out.string() + "' '" + kConfig + "'";
  for (const auto& o : reference_overrides()) command += " '" + o + "'";
  const auto result = amem::testing::run_amem(command);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // mac.networks=<out>: what `amem eval` loads.
  auto overrides = reference_overrides();
  overrides.push_back("mac.networks=" + out.string());
  const auto config = amem::config::load_config(amem::config::amem_schema(), kConfig, overrides);
  torch::manual_seed(4);
  MacModel loaded(amem::methods::MacSettings::from(config), amem::models::ModelSettings::from(config),
                  MacModel::BaseLm::kShapeOnly);
  expect_same_parameters(*trained_->networks(), *loaded.networks());

  // --out: an earlier import's folder is replaced; someone's file, or a folder holding other
  // files, is refused (exit 2) and left as it was.
  EXPECT_EQ(amem::testing::run_amem(command).exit_code, 0);
  for (const auto& [name, is_folder] : {std::pair{"notes.txt", false}, std::pair{"results", true}}) {
    const auto taken = dir_ / name;
    if (is_folder) {
      fs::create_directories(taken);
      std::ofstream(taken / "keep.txt") << "keep";
    } else {
      std::ofstream(taken) << "keep";
    }
    auto refused_command = command;
    refused_command.replace(refused_command.find(out.string()), out.string().size(), taken.string());
    const auto refused = amem::testing::run_amem(refused_command);
    EXPECT_EQ(refused.exit_code, 2) << refused.output;
    EXPECT_EQ(amem::testing::error_line(refused),
              "amem: error: mac import: --out " + taken.string() + ": exists and is " +
                  (is_folder ? "a folder holding other files" : "not a folder") +
                  "; the import replaces its folder, so choose a new, empty or earlier import's folder");
    EXPECT_TRUE(fs::exists(is_folder ? taken / "keep.txt" : taken));
  }

  // A mis-shaped key: exit 1, one error line naming the key; nothing is written.
  state_.insert_or_assign("enc_decoder.learnable_prompts", torch::zeros({1, 4, 64}));
  save_reference(path, state_);
  const auto failed = amem::testing::run_amem(command.replace(command.find("imported"), 8, "failed"));
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(amem::testing::error_line(failed).find("key 'enc_decoder.learnable_prompts': shape [1, 4, 64], expected "
                                                   "[1, 3, 64]"),
            std::string::npos)
      << failed.output;
  EXPECT_FALSE(fs::exists(dir_ / "failed"));
}

// ---- against the reference's own forward (goldens made on the device)

std::vector<std::vector<int64_t>> rows_of(const nlohmann::json& j) { return j.get<std::vector<std::vector<int64_t>>>(); }

torch::Tensor tensor_of(const nlohmann::json& j) {
  const auto rows = rows_of(j);
  auto t = torch::empty({int64_t(rows.size()), int64_t(rows.at(0).size())}, torch::kLong);
  for (size_t r = 0; r < rows.size(); ++r) t[int64_t(r)].copy_(torch::tensor(rows[r], torch::kLong));
  return t;
}

void expect_close(const torch::Tensor& actual, const torch::Tensor& expected, const std::string& what) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const double diff = (actual.to(torch::kFloat) - expected).abs().max().item<double>();
  EXPECT_LE(diff, 1e-5) << what;
}

TEST(ReferenceCheckpoint, GivesTheReferenceModulationsAggregationsAndPrefixes) {
  // The goldens come from the device (python3 scripts/device/make_mac_reference_checkpoint.py,
  // run by scripts/device/reference_and_cmt_checks.sh) and are committed.
  ASSERT_TRUE(fs::exists(kGoldens / "checkpoint.pt")) << kGoldens.string() << " has no checkpoint.pt";
  const auto golden = nlohmann::json::parse(amem::testing::read_file(kGoldens / "expected.json"));
  const auto expected = amem::io::SafetensorsFile::open((kGoldens / "expected.safetensors").string());
  auto mac = tiny_mac(5);
  const auto path = (kGoldens / "checkpoint.pt").string();
  amem::methods::import_reference_state_dict(*mac->networks(), amem::methods::read_reference_checkpoint(path), path);
  torch::NoGradGuard no_grad;
  auto& networks = *mac->networks();

  // amem's tokens in the reference's layouts equal the reference's.
  const auto documents = golden["documents"].get<std::vector<std::string>>();
  const auto questions = golden["questions"].get<std::vector<std::string>>();
  const auto doc = mac->document_tokens(documents);
  EXPECT_TRUE(torch::equal(doc.ids, tensor_of(golden["document_ids"])));
  EXPECT_TRUE(torch::equal(doc.mask, tensor_of(golden["document_mask"])));
  const auto train_q = mac->question_tokens(questions, MacModel::QuestionUse::kTraining);
  EXPECT_TRUE(torch::equal(train_q.ids, tensor_of(golden["train_question_ids"])));
  EXPECT_TRUE(torch::equal(train_q.mask, tensor_of(golden["train_question_mask"])));

  // The networks on the reference's own tokens.
  const auto bank = networks.amortizer(tensor_of(golden["document_ids"]), tensor_of(golden["document_mask"]));
  expect_close(bank, expected->load("modulations"), "modulations");
  expect_close(mac->amortize(documents), expected->load("modulations"), "MacModel::amortize");
  const auto train_queries =
      networks.aggregator->encode_questions(tensor_of(golden["train_question_ids"]), tensor_of(golden["train_question_mask"]));
  expect_close(networks.aggregator->attend(train_queries, bank.unsqueeze(0)), expected->load("train_aggregated"),
               "train_aggregated");
  for (size_t k = 0; k < questions.size(); ++k) {
    const auto suffix = "_" + std::to_string(k);
    const auto ids = tensor_of(golden["eval_question_ids" + suffix]), mask = tensor_of(golden["eval_question_mask" + suffix]);
    const auto tokens = mac->question_tokens({questions[k]});
    EXPECT_TRUE(torch::equal(tokens.ids, ids)) << k;
    EXPECT_TRUE(torch::equal(tokens.mask, mask)) << k;
    const auto latent = mac->aggregate({questions[k]}, bank);
    expect_close(latent, expected->load("eval_aggregated" + suffix), "eval_aggregated" + suffix);
    const auto prefix = mac->to_prefix(latent);
    std::vector<torch::Tensor> kv;  // [2L, B, heads, P, head_dim], key then value per layer
    for (size_t l = 0; l < prefix.keys.size(); ++l) {
      kv.push_back(prefix.keys[l]);
      kv.push_back(prefix.values[l]);
    }
    expect_close(torch::stack(kv), expected->load("eval_prefix" + suffix), "eval_prefix" + suffix);
  }
}

}  // namespace
