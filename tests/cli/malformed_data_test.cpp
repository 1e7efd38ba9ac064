// End to end: the `amem` program on malformed input of engineer A's areas (issue 12) — config
// values out of range, data files that are empty or not UTF-8, paths from config keys that do
// not exist or are the wrong kind, resumes that fail. Each case asserts the exit code (2: a
// config mistake, 1: a bad file), that the message names the key or the file (and line), and
// that no run folder is left behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/run_amem.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::testing::run_amem;

namespace {

struct Case {
  std::string name;
  std::string arguments;  // after `amem`; "{dir}" is the case's scratch folder
  int exit_code;
  std::vector<std::string> message;  // every piece must appear in the output ("{dir}" as above)
  std::vector<std::pair<std::string, std::string>> files = {};  // written under {dir} first
};

std::string with_dir(std::string text, const fs::path& dir) {
  for (size_t at; (at = text.find("{dir}")) != std::string::npos;) text.replace(at, 5, dir.string());
  return text;
}

void run_case(const Case& c) {
  const auto dir = amem::testing::fresh_dir("malformed_data_" + c.name);
  const auto out = dir / "runs";
  for (const auto& [name, contents] : c.files) amem::testing::write_file(dir / name, contents);
  // Cases about run.output_dir set it themselves; `amem lm` writes no run folder.
  const std::string arguments = with_dir(c.arguments, dir);
  const bool sets_output = arguments.find("run.output_dir=") != std::string::npos || arguments.rfind("lm ", 0) == 0;
  const auto r = run_amem(arguments + (sets_output ? "" : " run.output_dir=" + out.string()));
  EXPECT_EQ(r.exit_code, c.exit_code) << c.name << ": " << r.output;
  for (const auto& piece : c.message)
    EXPECT_NE(r.output.find(with_dir(piece, dir)), std::string::npos) << c.name << ": expected '" << piece << "' in: " << r.output;
  // One error line, nothing after it (no backtrace, no second message).
  amem::testing::error_line(r);
  EXPECT_TRUE(!fs::exists(out) || fs::is_empty(out)) << c.name << ": a run folder was left behind";
}

const std::string kStreamingEval = "eval configs/eval/streamingqa_none.yaml";
const std::string kSquadEval = "eval configs/eval/squad_none.yaml";
const std::string kArchivalEval = "eval configs/eval/archivalqa_none.yaml";
const std::string kMacTrain = "train configs/mac/tiny_gpt2.yaml";
const std::string kQaTune = "qa-tune configs/qa_tune/tiny_squad.yaml";
const std::string kCamelsTrain = "train configs/camels/tiny_streamingqa.yaml";

const std::string kStreamingHeader = "text,question,answers\n";
const std::string kSquadCsvHeader = "id,title,context,question,answers\n";
const std::string kArchivalHeader = "doc_id,para_num,ans_paragraph,question,answer\n";

// --- config values out of range (item 7): exit 2, naming the override and the key ---
const std::vector<Case> kRangeCases = {
    {"downsample_zero", kStreamingEval + " data.downsample_to=0", 2,
     {"override 'data.downsample_to=0': data.downsample_to: must be >= 1 (or -1), got 0"}},
    {"downsample_negative", kStreamingEval + " data.downsample_to=-5", 2,
     {"data.downsample_to: must be >= 1 (or -1), got -5"}},
    {"val_documents_zero", kMacTrain + " train.val_documents=0", 2,
     {"override 'train.val_documents=0': train.val_documents: must be >= 1 (or -1), got 0"}},
    {"max_bad_fraction_above_one", kStreamingEval + " data.max_bad_fraction=2", 2,
     {"data.max_bad_fraction: must be in [0, 1], got 2.0"}},
    {"warmup_ratio_above_one", kQaTune + " train.warmup_ratio=5", 2, {"train.warmup_ratio: must be in [0, 1], got 5.0"}},
    {"lr_infinite", kQaTune + " train.lr=.inf", 2, {"train.lr: must be a finite number, got .inf"}},
    {"inner_lr_nan", kCamelsTrain + " camels.inner_lr=.nan", 2, {"camels.inner_lr: must be a finite number, got .nan"}},
    {"dropout_one", kMacTrain + " ++mac.dropout=1", 2,
     {"override '++mac.dropout=1': mac.dropout: must be >= 0 and < 1, got 1.0"}},
    {"lift_ratio_zero", kMacTrain + " mac.lift_ratio=0", 2, {"mac.lift_ratio: must be > 0 and <= 1, got 0.0"}},
    {"context_window_one", kMacTrain + " mac.context_windows=[2,1]", 2,
     {"mac.context_windows: element 2 must be >= 2, got 1"}},
};

// --- data files: empty streams (item 2, exit 2) and bytes that are not UTF-8 text (item 4, exit 1) ---
const std::vector<Case> kDataCases = {
    {"streamingqa_header_only", kStreamingEval + " data.test_path={dir}/empty.csv", 2,
     {"data.test_path: {dir}/empty.csv: no questions (0 records, 0 malformed)"},
     {{"empty.csv", kStreamingHeader}}},
    {"squad_json_no_articles", kSquadEval + " data.test_path={dir}/empty.json", 2,
     {"data.test_path: {dir}/empty.json: no questions"},
     {{"empty.json", "{\"version\": \"1.1\", \"data\": []}"}}},
    {"every_row_malformed", kStreamingEval + " data.test_path={dir}/bad.csv data.max_bad_fraction=1", 2,
     {"data.test_path: {dir}/bad.csv: no questions (1 records, 1 malformed)"},
     {{"bad.csv", kStreamingHeader + "Some text.,,answer\n"}}},
    {"empty_training_set", kQaTune + " data.train_path={dir}/empty.json", 2,
     {"data.train_path: {dir}/empty.json: no questions"},
     {{"empty.json", "{\"data\": [{\"title\": \"t\", \"paragraphs\": []}]}"}}},
    {"empty_validation_set", kMacTrain + " data.val_path={dir}/empty.csv", 2,
     {"data.val_path: {dir}/empty.csv: no questions"},
     {{"empty.csv", kStreamingHeader}}},
    {"streamingqa_latin1", kStreamingEval + " data.test_path={dir}/latin1.csv", 1,
     {"{dir}/latin1.csv:3: invalid UTF-8 (byte 0xE9 at column 4)"},
     {{"latin1.csv", kStreamingHeader + "Paris is in France.,Where?,Paris\nRen\xE9 lives here.,Who lives here?,Ren\xE9\n"}}},
    {"squad_csv_latin1", kSquadEval + " data.test_path={dir}/latin1.csv", 1,
     {"{dir}/latin1.csv:2: invalid UTF-8"},
     {{"latin1.csv", kSquadCsvHeader + "q1,Ren\xE9,Ren\xE9 lives here.,Who?,\"{'text': ['Ren\xE9']}\"\n"}}},
    {"squad_json_latin1", kSquadEval + " data.test_path={dir}/latin1.json", 1,
     {"{dir}/latin1.json:2: invalid UTF-8"},
     {{"latin1.json", "{\"data\": [{\"title\": \"t\", \"paragraphs\": [\n{\"context\": \"Ren\xE9\", \"qas\": []}]}]}"}}},
    {"archivalqa_latin1", kArchivalEval + " data.test_path={dir}/latin1.csv", 1,
     {"{dir}/latin1.csv:2: invalid UTF-8"},
     {{"latin1.csv", kArchivalHeader + "d1,1,Ren\xE9 wrote it.,Who wrote it?,Ren\xE9\n"}}},
    {"utf16_with_bom", kStreamingEval + " data.test_path={dir}/utf16.csv", 1,
     {"{dir}/utf16.csv: UTF-16 text (byte-order mark FF FE); amem reads UTF-8"},
     {{"utf16.csv", std::string("\xFF\xFEt\0e\0x\0t\0", 10)}}},
    {"utf16_without_bom", kSquadEval + " data.test_path={dir}/utf16.json", 1,
     {"{dir}/utf16.json:1: NUL byte"},
     {{"utf16.json", std::string("{\0\"\0d\0", 6)}}},
    {"bare_cr_line_ends", kStreamingEval + " data.test_path={dir}/mac.csv", 1,
     {"{dir}/mac.csv:1: a line ends in a bare CR (classic Mac OS line ends)"},
     {{"mac.csv", "text,question,answers\rParis is in France.,Where?,Paris\r"}}},
    {"locality_latin1", kCamelsTrain + " camels.locality_path={dir}/passages.txt", 1,
     {"{dir}/passages.txt:2: invalid UTF-8"},
     {{"passages.txt", "A first passage.\nRen\xE9 wrote a second one.\n"}}},
    {"locality_bare_cr", kCamelsTrain + " camels.locality_path={dir}/passages.txt", 1,
     {"{dir}/passages.txt:1: a line ends in a bare CR"},
     {{"passages.txt", "A first passage.\rA second one.\r"}}},
    // Config files are read as data files are (their names and paths become run folders).
    {"config_latin1", "eval {dir}/latin1.yaml", 2,
     {"{dir}/latin1.yaml:2: invalid UTF-8"},
     {{"latin1.yaml", "defaults: [" + std::string(AMEM_SOURCE_DIR) + "/configs/eval/streamingqa_none]\nrun: {name: caf\xE9}\n"}}},
    {"config_bare_cr", "eval {dir}/mac.yaml", 2,
     {"{dir}/mac.yaml:1: a line ends in a bare CR"},
     {{"mac.yaml", "run:\r  name: x\r"}}},
    {"text_to_score_is_a_folder", "lm score --model tests/data/models/tiny-llama --text {dir}", 1,
     {"{dir}: is a folder, expected a file"}},
};

// --- paths from config keys (item 12): exit 2, naming where the value came from and the key ---
const std::vector<Case> kPathCases = {
    {"amortizer_missing", kMacTrain + " mac.amortizer=/nonexistent", 2,
     {"override 'mac.amortizer=/nonexistent': mac.amortizer: '/nonexistent': no such folder"}},
    {"model_path_is_a_file", kStreamingEval + " model.path={dir}/model", 2,
     {"model.path: '{dir}/model': is a file, expected a folder"},
     {{"model", "not a folder"}}},
    {"model_path_not_a_checkpoint", kStreamingEval + " model.path={dir}", 2,
     {"model.path: '{dir}': holds no config.json"}},
    {"test_path_is_a_folder", kStreamingEval + " data.test_path={dir}", 2,
     {"data.test_path: '{dir}': is a folder, expected a file"}},
    {"train_path_missing", kQaTune + " data.train_path={dir}/none.json", 2,
     {"override 'data.train_path={dir}/none.json': data.train_path: '{dir}/none.json': no such file"}},
    {"memory_load_missing", "eval configs/eval/streamingqa_mac.yaml memory.load={dir}/bank.safetensors", 2,
     {"memory.load: '{dir}/bank.safetensors': no such file"}},
    {"networks_not_trained", kMacTrain + " +mac.networks={dir}", 2,
     {"mac.networks: '{dir}': holds no model.safetensors"}},
    {"weight_model_missing", "eval configs/eval/streamingqa_camels.yaml camels.weight_model_path=/nonexistent", 2,
     {"camels.weight_model_path: '/nonexistent': no such folder"}},
    {"locality_missing", kCamelsTrain + " camels.locality_path={dir}/none.txt", 2,
     {"camels.locality_path: '{dir}/none.txt': no such file"}},
    {"resume_not_a_checkpoint", kQaTune + " +train.resume={dir}", 2,
     {"override '+train.resume={dir}': train.resume: '{dir}': holds no state.json"}},
    {"path_from_a_config_file", "eval {dir}/bad.yaml", 2,
     {"{dir}/bad.yaml: model.path: '/nonexistent/model': no such folder"},
     {{"bad.yaml", "run: {output_dir: unused}\nmodel: {path: /nonexistent/model}\n"
                   "data: {format: streamingqa, test_path: data/streamingqa-sample/test.csv}\n"}}},
};

// --- run folders (item 11): a resume that fails leaves nothing; output_dir must be a folder ---
const std::vector<Case> kRunFolderCases = {
    {"resume_from_a_folder_that_is_not_a_checkpoint", kQaTune + " +train.resume={dir}/checkpoint", 2,
     {"train.resume: {dir}/checkpoint: not a training checkpoint (no trainable.safetensors)"},
     {{"checkpoint/state.json", "{\"step\": 3}"}}},
    {"output_dir_is_a_file", kStreamingEval + " run.output_dir={dir}/file", 2,
     {"run.output_dir: '{dir}/file': is a file, expected a folder"},
     {{"file", "x"}}},
};

// Test names show the case's name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class MalformedData : public ::testing::TestWithParam<Case> {};

TEST_P(MalformedData, FailsWithOneLineNamingTheCulpritAndLeavesNoRunFolder) { run_case(GetParam()); }

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(ConfigRanges, MalformedData, ::testing::ValuesIn(kRangeCases), case_name);
INSTANTIATE_TEST_SUITE_P(DataFiles, MalformedData, ::testing::ValuesIn(kDataCases), case_name);
INSTANTIATE_TEST_SUITE_P(PathKeys, MalformedData, ::testing::ValuesIn(kPathCases), case_name);
INSTANTIATE_TEST_SUITE_P(RunFolders, MalformedData, ::testing::ValuesIn(kRunFolderCases), case_name);

// A run that fails once its folder exists (here: training that diverges) marks the folder
// failed: FAILED holds the error line, which is also the last line of log.txt.
TEST(MalformedDataRunFolder, ARunThatFailsAfterItsFolderExistsIsMarkedFailed) {
  const auto dir = amem::testing::fresh_dir("malformed_data_diverged_run");
  const auto r = run_amem(kQaTune + " train.lr=1e30 train.warmup_ratio=0 train.steps=3 run.output_dir=" + dir.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("amem: error: training diverged"), std::string::npos) << r.output;
  const auto run = amem::testing::only_run(dir);
  const std::string failed = amem::testing::read_file(run / "FAILED");
  EXPECT_EQ(failed.rfind("training diverged at step ", 0), 0u) << failed;
  const std::string log = amem::testing::read_file(run / "log.txt");
  ASSERT_FALSE(log.empty());
  const std::string last_line = log.substr(log.rfind('\n', log.size() - 2) + 1);
  EXPECT_NE(last_line.find("[error] " + failed), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(run / "last")) << "a failed run has no final model";
}

}  // namespace
