// End to end: the `amem` program on broken checkpoints and tokenizers. Each case copies one of
// the committed tiny checkpoints (tests/data/models/), breaks one thing in the copy (the
// safetensors bytes, a tensor's values or dtype label, a size in config.json, a tokenizer
// file), runs a command that loads it, and checks the exit code, that the one-line error names
// the file and the tensor or key, and that nothing was left behind: no run folder, no new or
// changed file next to the checkpoint.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_amem.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::testing::read_file;
using amem::testing::run_amem;
using amem::testing::write_file;
using nlohmann::json;

namespace {

const fs::path kModels = fs::path(AMEM_SOURCE_DIR) / "tests/data/models";

// ---- editing a copied checkpoint

json read_json(const fs::path& path) { return json::parse(read_file(path)); }

void set_config(const fs::path& dir, const std::string& key, const json& value) {
  auto config = read_json(dir / "config.json");
  config[key] = value;
  write_file(dir / "config.json", config.dump(2));
}

// model.safetensors as its parts: the header JSON and the data section.
struct Safetensors {
  json header;
  std::string data;
};

Safetensors read_safetensors(const fs::path& dir) {
  const std::string bytes = read_file(dir / "model.safetensors");
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  return {json::parse(bytes.substr(8, length)), bytes.substr(8 + length)};
}

// Writes the length field, `header_text` as it is, then `data`.
void write_raw(const fs::path& dir, const std::string& header_text, const std::string& data) {
  std::string length(8, '\0');
  const uint64_t n = header_text.size();
  std::memcpy(length.data(), &n, 8);
  write_file(dir / "model.safetensors", length + header_text + data);
}

// The header as the reference writer pads it: spaces up to a multiple of 8 bytes.
std::string padded(const json& header) {
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');
  return text;
}

void edit_header(const fs::path& dir, const std::function<void(json&)>& edit) {
  auto file = read_safetensors(dir);
  edit(file.header);
  write_raw(dir, padded(file.header), file.data);
}

// Replaces the first float32 of `tensor` with `value`.
void poke_float(const fs::path& dir, const std::string& tensor, float value) {
  auto file = read_safetensors(dir);
  const uint64_t begin = file.header.at(tensor).at("data_offsets")[0].get<uint64_t>();
  std::memcpy(file.data.data() + begin, &value, 4);
  write_raw(dir, padded(file.header), file.data);
}

// ---- the cases

// kMemoryBuild loads its T5 amortizer from the broken copy; kMemoryBuildBase reads only the
// base LM's sizes from it (config.json and the safetensors header, not the weights).
enum class Command { kLmGenerate, kEval, kMemoryBuild, kMemoryBuildBase };

struct Case {
  std::string name;
  std::string model;  // the tiny checkpoint the case starts from
  std::function<void(const fs::path&)> corrupt;
  Command command;
  int exit_code;
  std::vector<std::string> expected;  // in the error line; "{dir}" is the broken copy
};

std::string command_line(Command command, const fs::path& dir, const fs::path& out) {
  switch (command) {
    case Command::kLmGenerate:
      return "lm generate --model " + dir.string() + " --prompt 'Who was the' --max-new-tokens 1";
    case Command::kEval:
      return "eval configs/eval/squad_none.yaml model.path=" + dir.string() + " run.output_dir=" + out.string();
    case Command::kMemoryBuild:
      return "memory build configs/eval/squad_mac.yaml mac.amortizer=" + dir.string() +
             " run.output_dir=" + out.string();
    case Command::kMemoryBuildBase:
      return "memory build configs/eval/squad_mac.yaml model.path=" + dir.string() +
             " run.output_dir=" + out.string();
  }
  return "";
}

// Every file under `dir` with its contents.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[entry.path().string()] = read_file(entry.path());
  return files;
}

std::string replace_dir(std::string text, const std::string& dir) {
  for (size_t at; (at = text.find("{dir}")) != std::string::npos;) text.replace(at, 5, dir);
  return text;
}

std::vector<Case> safetensors_cases() {
  return {
      {"nul_header_padding", "tiny-gpt2",
       [](const fs::path& d) {
         auto file = read_safetensors(d);
         write_raw(d, file.header.dump() + std::string(8, '\0'), file.data);
       },
       Command::kLmGenerate, 1, {"{dir}/model.safetensors: header has a NUL byte"}},
      {"trailing_bytes", "tiny-gpt2",
       [](const fs::path& d) {
         auto file = read_safetensors(d);
         write_raw(d, padded(file.header), file.data + "polyglot");
       },
       Command::kEval, 1, {"{dir}/model.safetensors: 8 trailing bytes after the last tensor"}},
      {"truncated_data", "tiny-llama",
       [](const fs::path& d) {
         auto file = read_safetensors(d);
         write_raw(d, padded(file.header), file.data.substr(0, file.data.size() - 100));
       },
       Command::kEval, 1, {"{dir}/model.safetensors: truncated: the header's tensors need"}},
      {"gap_before_first_tensor", "tiny-gpt2",
       [](const fs::path& d) {
         auto file = read_safetensors(d);
         for (auto& [name, entry] : file.header.items())
           if (name != "__metadata__")
             for (auto& offset : entry["data_offsets"]) offset = offset.get<uint64_t>() + 8;
         write_raw(d, padded(file.header), std::string(8, 'x') + file.data);
       },
       Command::kLmGenerate, 1, {"{dir}/model.safetensors: gap of 8 bytes before tensor", "the data starts at 0"}},
      {"duplicate_tensor_name", "tiny-llama",
       [](const fs::path& d) {
         auto file = read_safetensors(d);
         const std::string entry = "\"model.norm.weight\":" + file.header["model.norm.weight"].dump() + ",";
         std::string text = padded(file.header);
         text.insert(1, entry);
         text.resize((text.size() + 7) / 8 * 8, ' ');
         write_raw(d, text, file.data);
       },
       Command::kEval, 1, {"{dir}/model.safetensors: header: key 'model.norm.weight' appears twice"}},
      {"header_length_beyond_file", "tiny-gpt2",
       [](const fs::path& d) {
         std::string bytes = read_file(d / "model.safetensors");
         const uint64_t n = bytes.size();
         std::memcpy(bytes.data(), &n, 8);
         write_file(d / "model.safetensors", bytes);
       },
       Command::kLmGenerate, 1, {"{dir}/model.safetensors: header length", "exceeds the file size"}},
      {"header_length_over_100mb", "tiny-gpt2",
       [](const fs::path& d) {
         std::string bytes = read_file(d / "model.safetensors");
         const uint64_t n = 100'000'001;
         std::memcpy(bytes.data(), &n, 8);
         write_file(d / "model.safetensors", bytes);
       },
       Command::kLmGenerate, 1, {"{dir}/model.safetensors: header length 100000001 is over the format's 100 MB limit"}},
      {"invalid_utf8_in_header", "tiny-llama",
       [](const fs::path& d) {
         auto file = read_safetensors(d);
         std::string text = padded(file.header);
         text[text.find("norm.weight")] = '\xff';
         write_raw(d, text, file.data);
       },
       Command::kLmGenerate, 1, {"{dir}/model.safetensors: header is not valid UTF-8"}},
      {"header_not_json", "tiny-gpt2",
       [](const fs::path& d) {
         auto file = read_safetensors(d);
         std::string text = padded(file.header);
         text[text.find(':')] = ';';
         write_raw(d, text, file.data);
       },
       Command::kLmGenerate, 1, {"{dir}/model.safetensors: header is not valid JSON"}},
      {"shape_disagrees_with_offsets", "tiny-gpt2",
       [](const fs::path& d) {
         edit_header(d, [](json& h) { h["transformer.ln_f.bias"]["shape"] = {65}; });
       },
       Command::kLmGenerate, 1,
       {"{dir}/model.safetensors: tensor 'transformer.ln_f.bias': shape and dtype need 260 bytes but data_offsets span 256"}},
      {"unknown_dtype", "tiny-llama",
       [](const fs::path& d) { edit_header(d, [](json& h) { h["model.norm.weight"]["dtype"] = "F8_E4M3"; }); },
       Command::kLmGenerate, 1, {"{dir}/model.safetensors: tensor 'model.norm.weight': unknown dtype 'F8_E4M3'"}},
      {"overlapping_tensors", "tiny-gpt2",
       [](const fs::path& d) {
         edit_header(d, [](json& h) {
           // ln_f.bias moved 4 bytes back, into the tensor stored before it.
           auto& bias = h["transformer.ln_f.bias"]["data_offsets"];
           bias = {bias[0].get<uint64_t>() - 4, bias[1].get<uint64_t>() - 4};
         });
       },
       Command::kLmGenerate, 1, {"{dir}/model.safetensors: tensors", "overlap in the data section"}},
  };
}

std::vector<Case> tensor_value_cases() {
  return {
      {"nan_weight", "tiny-gpt2",
       [](const fs::path& d) { poke_float(d, "transformer.h.1.mlp.c_fc.weight", std::nanf("")); },
       Command::kLmGenerate, 1,
       {"{dir}/model.safetensors: tensor 'transformer.h.1.mlp.c_fc.weight' holds NaN or infinite values"}},
      {"infinite_weight", "tiny-llama",
       [](const fs::path& d) {
         poke_float(d, "model.layers.0.self_attn.k_proj.weight", std::numeric_limits<float>::infinity());
       },
       Command::kEval, 1,
       {"{dir}/model.safetensors: tensor 'model.layers.0.self_attn.k_proj.weight' holds NaN or infinite values"}},
      {"nan_in_t5_amortizer", "tiny-t5",
       [](const fs::path& d) { poke_float(d, "shared.weight", std::nanf("")); },
       Command::kMemoryBuild, 1, {"{dir}/model.safetensors: tensor 'shared.weight' holds NaN or infinite values"}},
      {"float_labelled_i32", "tiny-gpt2",
       [](const fs::path& d) { edit_header(d, [](json& h) { h["transformer.wpe.weight"]["dtype"] = "I32"; }); },
       Command::kLmGenerate, 1,
       {"{dir}/model.safetensors: tensor 'transformer.wpe.weight' is stored as I32 but is read as F32"}},
      {"float_labelled_i32_in_t5", "tiny-t5",
       [](const fs::path& d) {
         edit_header(d, [](json& h) { h["encoder.final_layer_norm.weight"]["dtype"] = "I32"; });
       },
       Command::kMemoryBuild, 1,
       {"{dir}/model.safetensors: tensor 'encoder.final_layer_norm.weight' is stored as I32 but is read as F32"}},
  };
}

std::vector<Case> config_cases() {
  auto set = [](const std::string& key, json value) {
    return [key, value](const fs::path& d) { set_config(d, key, value); };
  };
  return {
      // Values that build a model whose every output is NaN: refused, not scored.
      {"gpt2_negative_layer_norm_epsilon", "tiny-gpt2", set("layer_norm_epsilon", -1), Command::kEval, 1,
       {"{dir}/config.json: key 'layer_norm_epsilon': expected a finite number > 0, got -1"}},
      {"llama_negative_rms_norm_eps", "tiny-llama", set("rms_norm_eps", -1), Command::kLmGenerate, 1,
       {"{dir}/config.json: key 'rms_norm_eps': expected a finite number > 0, got -1"}},
      {"llama_negative_rope_theta", "tiny-llama",
       set("rope_parameters", json{{"factor", 2.0}, {"rope_theta", -5}, {"rope_type", "linear"}}), Command::kLmGenerate, 1,
       {"{dir}/config.json: key 'rope_theta': expected a finite number > 0, got -5"}},
      {"llama_rope_factor_zero", "tiny-llama",
       set("rope_parameters", json{{"factor", 0}, {"rope_theta", 10000.0}, {"rope_type", "linear"}}), Command::kLmGenerate, 1,
       {"{dir}/config.json: key 'factor': expected a finite number > 0, got 0"}},
      {"gpt2_dropout_of_one", "tiny-gpt2", set("resid_pdrop", 1.0), Command::kLmGenerate, 1,
       {"{dir}/config.json: key 'resid_pdrop': expected a probability in [0, 1), got 1.0"}},
      {"llama_unknown_activation", "tiny-llama", set("hidden_act", "relu6x"), Command::kLmGenerate, 1,
       {"{dir}/config.json: key 'hidden_act': unknown activation 'relu6x'"}},
      {"gpt2_billion_layers", "tiny-gpt2", set("n_layer", 1000000000), Command::kLmGenerate, 1,
       {"{dir}/config.json: n_layer is 1000000000 but {dir}/model.safetensors has 2 layers (transformer.h.0 … transformer.h.1)"}},
      {"gpt2_huge_n_embd", "tiny-gpt2", set("n_embd", 400000000), Command::kEval, 1,
       {"{dir}/config.json: n_embd is 400000000 but {dir}/model.safetensors has 'transformer.wte.weight' of shape [601, 64]"}},
      {"gpt2_vocab_larger_than_embedding", "tiny-gpt2", set("vocab_size", 5000), Command::kLmGenerate, 1,
       {"{dir}/config.json: vocab_size is 5000 but", "'transformer.wte.weight' of shape [601, 64]"}},
      {"gpt2_positions", "tiny-gpt2", set("n_positions", 1024), Command::kLmGenerate, 1,
       {"{dir}/config.json: n_positions is 1024 but", "'transformer.wpe.weight' of shape [64, 64]"}},
      {"gpt2_n_inner", "tiny-gpt2", set("n_inner", 100000), Command::kLmGenerate, 1,
       {"{dir}/config.json: n_inner is 100000 but", "'transformer.h.0.mlp.c_fc.weight' of shape [64, 256]"}},
      {"gpt2_heads_do_not_divide", "tiny-gpt2", set("n_head", 3), Command::kLmGenerate, 1,
       {"{dir}/config.json: key 'n_head': must divide n_embd"}},
      {"gpt2_negative_layers", "tiny-gpt2", set("n_layer", -2), Command::kEval, 1,
       {"{dir}/config.json: key 'n_layer': expected a positive integer, got -2"}},
      {"gpt2_untied_without_output_layer", "tiny-gpt2", set("tie_word_embeddings", false), Command::kLmGenerate, 1,
       {"{dir}/model.safetensors: missing tensor 'lm_head.weight'", "tie_word_embeddings: false"}},
      {"llama_layers", "tiny-llama", set("num_hidden_layers", 100000), Command::kEval, 1,
       {"{dir}/config.json: num_hidden_layers is 100000 but {dir}/model.safetensors has 2 layers (model.layers.0 … model.layers.1)"}},
      {"llama_layers_for_a_memory_bank", "tiny-llama", set("num_hidden_layers", 100000), Command::kMemoryBuildBase, 1,
       {"{dir}/config.json: num_hidden_layers is 100000 but {dir}/model.safetensors has 2 layers"}},
      {"llama_intermediate", "tiny-llama", set("intermediate_size", 1 << 30), Command::kLmGenerate, 1,
       {"{dir}/config.json: intermediate_size is 1073741824 but", "'model.layers.0.mlp.gate_proj.weight' of shape [128, 64]"}},
      {"llama_kv_heads", "tiny-llama", set("num_key_value_heads", 4), Command::kLmGenerate, 1,
       {"{dir}/config.json: num_key_value_heads * head_dim is 4 * 16 = 64 but",
        "'model.layers.0.self_attn.k_proj.weight' of shape [32, 64]"}},
      {"llama_head_dim_overflows", "tiny-llama", set("head_dim", 4611686018427387904LL), Command::kLmGenerate, 1,
       {"{dir}/config.json: num_attention_heads * head_dim is 4 * 4611686018427387904 but"}},
      {"llama_zero_hidden", "tiny-llama", set("hidden_size", 0), Command::kLmGenerate, 1,
       {"{dir}/config.json: key 'hidden_size': expected a positive integer, got 0"}},
      {"t5_billion_layers", "tiny-t5", set("num_layers", 1000000000), Command::kMemoryBuild, 1,
       {"{dir}/config.json: num_layers is 1000000000 but {dir}/model.safetensors has 2 layers (encoder.block.0 … encoder.block.1)"}},
      {"t5_decoder_layers", "tiny-t5", set("num_decoder_layers", 3), Command::kMemoryBuild, 1,
       {"{dir}/config.json: num_decoder_layers is 3 but", "has 2 layers (decoder.block.0 … decoder.block.1)"}},
      {"t5_d_kv", "tiny-t5", set("d_kv", 1000000), Command::kMemoryBuild, 1,
       {"{dir}/config.json: num_heads * d_kv is 4 * 1000000 = 4000000 but",
        "'encoder.block.0.layer.0.SelfAttention.q.weight' of shape [64, 64]"}},
      {"t5_buckets", "tiny-t5", set("relative_attention_num_buckets", 1 << 28), Command::kMemoryBuild, 1,
       {"{dir}/config.json: relative_attention_num_buckets is 268435456 but",
        "'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight' of shape [32, 4]"}},
      {"t5_d_ff", "tiny-t5", set("d_ff", 512), Command::kMemoryBuild, 1,
       {"{dir}/config.json: d_ff is 512 but", "'encoder.block.0.layer.1.DenseReluDense.wi.weight' of shape [128, 64]"}},
      {"t5_v1_1_heads", "tiny-t5-v1_1", set("num_heads", 8), Command::kMemoryBuild, 1,
       {"{dir}/config.json: num_heads is 8 but",
        "'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight' of shape [32, 4]"}},
  };
}

std::vector<Case> tokenizer_cases() {
  return {
      {"empty_merges", "tiny-gpt2", [](const fs::path& d) { write_file(d / "merges.txt", ""); },
       Command::kLmGenerate, 1, {"{dir}/merges.txt: no merges"}},
      {"merges_with_only_a_version_line", "tiny-gpt2",
       [](const fs::path& d) { write_file(d / "merges.txt", "#version: 0.2\n"); }, Command::kEval, 1,
       {"{dir}/merges.txt: no merges"}},
      {"gpt2_tokenizer_beyond_embedding", "tiny-gpt2",
       [](const fs::path& d) {
         // A model with a 500-row embedding next to the 601-id tokenizer of the original.
         set_config(d, "vocab_size", 500);
       },
       Command::kLmGenerate, 1, {"{dir}/config.json: vocab_size is 500 but the tokenizer {dir}/vocab.json has 601 ids"}},
      {"llama_tokenizer_beyond_embedding", "tiny-llama", [](const fs::path& d) { set_config(d, "vocab_size", 300); },
       Command::kEval, 1, {"{dir}/config.json: vocab_size is 300 but the tokenizer {dir}/tokenizer.model has 600 ids"}},
      {"t5_tokenizer_beyond_embedding", "tiny-t5", [](const fs::path& d) { set_config(d, "vocab_size", 100); },
       Command::kMemoryBuild, 1, {"{dir}/config.json: vocab_size is 100 but the tokenizer {dir}/spiece.model has"}},
  };
}

void run_cases(const std::vector<Case>& cases, const std::string& group) {
  const auto root = amem::testing::fresh_dir("malformed_checkpoint_" + group);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto dir = root / c.name / c.model;
    fs::create_directories(dir.parent_path());
    fs::copy(kModels / c.model, dir, fs::copy_options::recursive);
    c.corrupt(dir);
    const auto before = snapshot(dir);
    const auto out = root / c.name / "runs";
    const auto r = run_amem(command_line(c.command, dir, out));
    EXPECT_EQ(r.exit_code, c.exit_code) << r.output;
    amem::testing::error_line(r);
    for (const auto& expected : c.expected)
      EXPECT_NE(r.output.find(replace_dir(expected, dir.string())), std::string::npos)
          << "expected: " << replace_dir(expected, dir.string()) << "\ngot: " << r.output;
    EXPECT_FALSE(fs::exists(out)) << "a run folder was left behind";
    EXPECT_EQ(snapshot(dir), before) << "files next to the checkpoint changed";
  }
}

}  // namespace

TEST(MalformedCheckpoint, SafetensorsTheReferenceRejectsAreRejectedEachWithItsOwnMessage) {
  run_cases(safetensors_cases(), "safetensors");
}

TEST(MalformedCheckpoint, NonFiniteAndMislabelledTensorsNameTheTensorAndFile) {
  run_cases(tensor_value_cases(), "tensors");
}

TEST(MalformedCheckpoint, ConfigSizesAreCheckedAgainstTheTensorsBeforeAllocating) {
  run_cases(config_cases(), "config");
}

TEST(MalformedCheckpoint, TokenizersThatDoNotFitTheModelNameBothFiles) {
  run_cases(tokenizer_cases(), "tokenizer");
}
