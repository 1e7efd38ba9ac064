// Malformed input, end to end, for the memory bank, the adaptation-step guards and the command
// line (issue 12, items 1, 3 and 13): the `amem` program run on tampered banks, bad flags and
// diverging adaptation. Each case checks the exit code, that the message names the file, key or
// flag at fault, and that nothing is left behind.
#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <functional>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_amem.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::testing::run_amem;

namespace {

const std::string kMacConfig = "configs/eval/streamingqa_mac.yaml";  // 5 StreamingQA rows, tiny GPT-2 + T5

// A bank built once for the suite by `amem memory build`.
const fs::path& built_bank() {
  static const fs::path bank = [] {
    // ctest runs each test in its own process, several at once: one folder per test.
    const auto out = amem::testing::fresh_dir(std::string("malformed_memory_bank_source_") +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    const auto r = run_amem("memory build " + kMacConfig + " run.output_dir=" + out.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return amem::testing::only_run(out) / "memory_bank.safetensors";
  }();
  return bank;
}

// A copy of the built bank at `path` with its header's metadata edited by `edit`, as a hand edit
// of the file would leave it (header re-padded with spaces to 8 bytes; the data section as is).
void tampered_copy(const fs::path& path, const std::function<void(nlohmann::json& metadata)>& edit) {
  const std::string bytes = amem::testing::read_file(built_bank());
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  auto header = nlohmann::json::parse(bytes.substr(8, length));
  edit(header["__metadata__"]);
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');
  const uint64_t new_length = text.size();
  std::string out(reinterpret_cast<const char*>(&new_length), 8);
  amem::testing::write_file(path, out + text + bytes.substr(8 + length));
}

struct Case {
  std::string name;
  std::string arguments;               // after `amem`; {bank} and {out} are replaced
  int exit_code;
  std::vector<std::string> mentions;   // each must appear in the output
};

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Runs each case with a fresh output folder {out}: the command must fail as the case says and
// leave {out} without a run folder.
void run_cases(const std::string& suite, const std::vector<Case>& cases, const fs::path& bank = {}) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto out = amem::testing::fresh_dir(suite + "_" + c.name);
    const auto args = replaced(replaced(c.arguments, "{bank}", bank.string()), "{out}", (out / "runs").string());
    const auto r = run_amem(args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.output;
    amem::testing::error_line(r);
    for (const auto& mention : c.mentions) {
      const auto text = replaced(mention, "{bank}", bank.string());
      EXPECT_NE(r.output.find(text), std::string::npos) << text << "\n" << r.output;
    }
    EXPECT_FALSE(fs::exists(out / "runs")) << "a refused input must leave no run folder";
  }
}

}  // namespace

// Hand-edited banks: every stored field is under the checksum, so `memory info` and an eval that
// would answer from the bank refuse them, naming the file.
TEST(MalformedMemoryCli, TamperedBanksAreRefused) {
  ASSERT_TRUE(fs::exists(built_bank()));
  const auto dir = amem::testing::fresh_dir("malformed_memory_tampered");
  struct Tamper {
    std::string name;
    std::function<void(nlohmann::json&)> edit;
    std::string mention;
  };
  const std::vector<Tamper> tampers = {
      {"ids", [](nlohmann::json& m) {
         auto ids = nlohmann::json::parse(m["document_ids"].get<std::string>());
         std::swap(ids[0], ids[1]);
         m["document_ids"] = ids.dump();
       }, "checksum mismatch"},
      {"keys", [](nlohmann::json& m) {
         auto keys = nlohmann::json::parse(m["content_keys"].get<std::string>());
         keys[0] = "0000000000000000";
         m["content_keys"] = keys.dump();
       }, "checksum mismatch"},
      {"producer", [](nlohmann::json& m) { m["producer"] = "MAC amortizer 0123456789abcdef"; }, "checksum mismatch"},
      {"checksum", [](nlohmann::json& m) { m["checksum"] = "ffffffffffffffff"; }, "checksum mismatch"},
      {"version1", [](nlohmann::json& m) { m["version"] = "1"; }, "memory bank version 1 keys documents by dataset id"},
      {"version9", [](nlohmann::json& m) { m["version"] = "9"; }, "memory bank version 9, this amem reads version 2"},
      {"no_keys", [](nlohmann::json& m) { m.erase("content_keys"); }, "not a memory bank (no 'content_keys'"},
      {"format", [](nlohmann::json& m) { m["format"] = "other"; }, "format 'other', expected 'amem.memory_bank'"},
  };
  std::vector<Case> cases;
  for (const auto& t : tampers) {
    const auto path = dir / (t.name + ".safetensors");
    tampered_copy(path, t.edit);
    cases.push_back({t.name + "_info", "memory info " + path.string() + " --ids", 1, {path.string() + ": ", t.mention}});
    cases.push_back({t.name + "_eval", "eval " + kMacConfig + " memory.load=" + path.string() + " run.output_dir={out}",
                     1, {path.string() + ": ", t.mention}});
  }
  run_cases("malformed_memory_tampered", cases);
}

TEST(MalformedMemoryCli, BanksOfAnotherProducerOrKindAreRefused) {
  ASSERT_TRUE(fs::exists(built_bank()));
  run_cases("malformed_memory_foreign",
            {
                // Another seed initialises the untrained networks differently: another amortizer.
                {"other_producer", "eval " + kMacConfig + " run.seed=5 memory.load={bank} run.output_dir={out}", 1,
                 {"{bank}: made by 'MAC amortizer "}},
                {"other_producer_build", "memory build " + kMacConfig + " run.seed=5 memory.load={bank} run.output_dir={out}",
                 1, {"made by 'MAC amortizer "}},
                {"model_weights", "memory info tests/data/models/tiny-t5/model.safetensors", 1,
                 {"tiny-t5/model.safetensors: format 'pt', expected 'amem.memory_bank'"}},
            },
            built_bank());
}

// Unknown flags, flags without their value, values of the wrong type or outside their choices,
// missing arguments: exit 2 with one line naming the flag.
TEST(MalformedMemoryCli, BadFlagsAreUsageErrorsNamingTheFlag) {
  const std::string gpt2 = "--model tests/data/models/tiny-gpt2";
  run_cases("malformed_memory_flags",
            {
                {"unknown_flag", "lm generate " + gpt2 + " --prompt x --temperature 2", 2, {"lm generate: ", "--temperature"}},
                {"missing_value", "lm generate --prompt x --model", 2, {"lm generate: ", "--model"}},
                {"missing_flag", "lm score " + gpt2, 2, {"lm score: ", "--text"}},
                {"not_an_integer", "lm generate " + gpt2 + " --prompt x --max-new-tokens many", 2, {"--max-new-tokens"}},
                {"no_beams", "lm generate " + gpt2 + " --prompt x --num-beams 0", 2, {"--num-beams"}},
                {"bad_dtype", "lm score " + gpt2 + " --text README.md --dtype fp8", 2, {"--dtype", "fp8"}},
                {"bad_device", "lm score " + gpt2 + " --text README.md --device tpu", 2, {"--device", "tpu"}},
                {"ids_typo", "memory info {bank} --idz", 2, {"memory info: ", "--idz"}},
                {"info_twice", "memory info {bank} {bank}", 2, {"memory info: "}},
                {"eval_flag", "eval " + kMacConfig + " --dry-run run.output_dir={out}", 2, {"eval: ", "--dry-run"}},
                {"train_flag", "train configs/mac/tiny_gpt2.yaml --steps 3 run.output_dir={out}", 2, {"train: ", "--steps"}},
                {"build_flag", "memory build " + kMacConfig + " --batch 2 run.output_dir={out}", 2, {"memory build: ", "--batch"}},
                {"inspect_two", "inspect tests/data/models/tiny-t5 tests/data/models/tiny-gpt2", 2, {"inspect: "}},
                {"keys_extra", "config keys train", 2, {"config keys: "}},
                {"qa_tune_method", "qa-tune configs/qa_tune/tiny_squad.yaml train.method=mac run.output_dir={out}", 2,
                 {"override 'train.method=mac': train.method: 'mac' is trained by `amem train`"}},
                {"method_choice", "train configs/mac/tiny_gpt2.yaml train.method=maq run.output_dir={out}", 2,
                 {"train.method: expected one of mac, camels, qa_tune, got 'maq'"}},
            },
            built_bank());
}

// --help and -h on every command and action print its usage and exit 0.
TEST(MalformedMemoryCli, HelpOnEveryCommandPrintsUsage) {
  const std::vector<std::string> commands = {
      "config", "config show", "config keys", "eval", "lm", "lm generate", "lm score", "train", "qa-tune",
      "memory", "memory build", "memory info", "inspect"};
  for (const auto& command : commands)
    for (const std::string flag : {"--help", "-h"}) {
      SCOPED_TRACE(command + " " + flag);
      const auto r = run_amem(command + " " + flag);
      EXPECT_EQ(r.exit_code, 0) << r.output;
      EXPECT_NE(r.output.find("usage: amem " + command.substr(0, command.find(' '))), std::string::npos) << r.output;
    }
  // With other arguments before it, too (the rest is not checked).
  const auto r = run_amem("lm generate --model tests/data/models/tiny-gpt2 --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("usage: amem lm generate"), std::string::npos) << r.output;
}

// A learning rate that overflows the model (1e37 is a finite number and a finite float32 step,
// but weights of 1e38 make the next forward infinite): the adaptation step where the loss or
// the weights stop being finite ends the run naming the document (or light-tune step), and no
// result is written.
TEST(MalformedMemoryCli, NonFiniteAdaptationStopsTheRun) {
  struct Diverging {
    std::string name, arguments, mention;
  };
  const std::vector<Diverging> runs = {
      {"uniform", "eval configs/eval/streamingqa_uniform.yaml adapt.lr=1e37", ": uniform adaptation step "},
      {"salient", "eval configs/eval/streamingqa_salient.yaml adapt.lr=1e37", ": salient adaptation step "},
      {"camels", "eval configs/eval/streamingqa_camels.yaml adapt.lr=1e37", ": camels adaptation step "},
      {"light_tune",
       "eval configs/eval/streamingqa_uniform.yaml adapt.light_tune_steps=3 adapt.light_tune_lr=1e37 "
       "data.train_path=data/streamingqa-sample/train.csv",
       "QA light-tune step "},
  };
  for (const auto& d : runs) {
    SCOPED_TRACE(d.name);
    const auto out = amem::testing::fresh_dir("malformed_memory_nonfinite_" + d.name);
    const auto r = run_amem(d.arguments + " run.output_dir=" + out.string());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("amem: error: "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(d.mention), std::string::npos) << r.output;
    EXPECT_TRUE(r.output.find("the loss is nan") != std::string::npos ||
                r.output.find("the loss is inf") != std::string::npos ||
                r.output.find("the updated weights are not finite (NaN or Inf in '") != std::string::npos)
        << r.output;
    if (d.name != "light_tune") {  // the light-tune runs after the stream, on training pairs
      EXPECT_NE(r.output.find("amem: error: stream position "), std::string::npos) << r.output;
      EXPECT_NE(r.output.find(" of 4: document 'line "), std::string::npos) << r.output;
    }
    for (const auto& run : fs::directory_iterator(out)) {
      EXPECT_FALSE(fs::exists(run.path() / "results.json")) << "no results for a diverged run";
      EXPECT_FALSE(fs::exists(run.path() / "predictions.jsonl"));
    }
  }
}
