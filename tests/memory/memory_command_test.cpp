// End to end: `amem memory build/info`, and `amem eval` with MAC saving and reusing its bank.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "amem/memory/memory_bank.h"
#include "support/batch_invariance.h"
#include "support/run_amem.h"
#include "support/temp_dir.h"

using amem::memory::MemoryBank;
using amem::testing::only_run;
using amem::testing::run_amem;

namespace {

const std::string kConfig = "configs/eval/squad_mac.yaml";  // 8 SQuAD paragraphs, tiny LLaMA + T5

nlohmann::json results_of(const std::filesystem::path& run) {
  return nlohmann::json::parse(amem::testing::read_file(run / "results.json"));
}

}  // namespace

TEST(MemoryCommand, BuildMakesTheBankEvalMakesAndEvalAnswersFromASavedOne) {
  const auto out = amem::testing::fresh_dir("memory_command");

  // amem eval amortizes document by document and saves its bank.
  const auto eval = run_amem("eval " + kConfig + " run.output_dir=" + (out / "eval").string());
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  const auto eval_run = only_run(out / "eval");
  const auto results = results_of(eval_run);
  EXPECT_EQ(results["memory_bank"]["documents"], 8);
  EXPECT_EQ(results["memory_bank"]["loaded"], 0);
  EXPECT_EQ(results["memory_bank"]["bytes_per_document"], 4 * 64 * 4);  // 4 tokens x width 64, float32
  EXPECT_EQ(results["memory_bank"]["bytes"], 8 * 4 * 64 * 4);
  const auto eval_bank = MemoryBank::load((eval_run / "memory_bank.safetensors").string());

  // amem memory build amortizes three documents per forward (padded): the same bank.
  const auto build = run_amem("memory build " + kConfig + " memory.batch_size=3 run.output_dir=" + (out / "build").string());
  ASSERT_EQ(build.exit_code, 0) << build.output;
  EXPECT_NE(build.output.find("8 documents (8 amortized, 0 from memory.load)"), std::string::npos) << build.output;
  const auto built_path = only_run(out / "build") / "memory_bank.safetensors";
  const auto built = MemoryBank::load(built_path.string());
  EXPECT_EQ(built.document_ids(), eval_bank.document_ids());
  EXPECT_TRUE(torch::allclose(built.modulations(), eval_bank.modulations(), 1e-5, 1e-5));
  EXPECT_EQ(MemoryBank::inspect(built_path.string()).producer,
            MemoryBank::inspect((eval_run / "memory_bank.safetensors").string()).producer);

  // A bank of the stream's first four documents (one per forward, so bit-identical to eval's):
  // eval amortizes only the other four, and answers exactly as the run that amortized all.
  const auto part = run_amem("memory build " + kConfig + " data.downsample_to=4 memory.batch_size=1 run.output_dir=" +
                             (out / "part").string());
  ASSERT_EQ(part.exit_code, 0) << part.output;
  const auto part_path = only_run(out / "part") / "memory_bank.safetensors";
  const auto reuse = run_amem("eval " + kConfig + " memory.load=" + part_path.string() + " run.output_dir=" +
                              (out / "reuse").string());
  ASSERT_EQ(reuse.exit_code, 0) << reuse.output;
  const auto reuse_run = only_run(out / "reuse");
  EXPECT_EQ(results_of(reuse_run)["memory_bank"]["documents"], 8);
  EXPECT_EQ(results_of(reuse_run)["memory_bank"]["loaded"], 4);
  EXPECT_EQ(amem::testing::read_file(reuse_run / "predictions.jsonl"),
            amem::testing::read_file(eval_run / "predictions.jsonl"));
  amem::testing::expect_same_up_to_batching(MemoryBank::load((reuse_run / "memory_bank.safetensors").string()).modulations(),
                           eval_bank.modulations());
}

TEST(MemoryCommand, InfoDescribesAndChecksABankAndRefusesOtherFiles) {
  const auto out = amem::testing::fresh_dir("memory_command_info");
  ASSERT_EQ(run_amem("memory build " + kConfig + " run.output_dir=" + out.string()).exit_code, 0);
  const auto bank = only_run(out) / "memory_bank.safetensors";

  const auto info = run_amem("memory info " + bank.string() + " --ids");
  ASSERT_EQ(info.exit_code, 0) << info.output;
  for (const char* line : {"producer    MAC amortizer ", "documents   8", "modulation  4 tokens x 64, float32",
                           "bytes       1024 per document", "checksum    ok"})
    EXPECT_NE(info.output.find(line), std::string::npos) << line << "\n" << info.output;
  // --ids: one line per entry, the content key and the dataset's id.
  const auto loaded = MemoryBank::load(bank.string());
  ASSERT_EQ(loaded.size(), 8);
  for (int64_t i = 0; i < loaded.size(); ++i) {
    const auto line = "\n" + loaded.content_keys()[size_t(i)] + "\t" + loaded.document_ids()[size_t(i)] + "\n";
    EXPECT_NE(info.output.find(line), std::string::npos) << line << info.output;
  }

  const auto weights = run_amem("memory info tests/data/models/tiny-t5/model.safetensors");
  EXPECT_EQ(weights.exit_code, 1);
  EXPECT_NE(weights.output.find("tiny-t5/model.safetensors: format 'pt', expected 'amem.memory_bank'"),
            std::string::npos) << weights.output;
  EXPECT_EQ(run_amem("memory info").exit_code, 2);
  EXPECT_EQ(run_amem("memory shrink").exit_code, 2);
}

TEST(MemoryCommand, EvalRefusesABankAnotherAmortizerMadeAndSavesOnlyWhenAsked) {
  const auto out = amem::testing::fresh_dir("memory_command_producer");
  ASSERT_EQ(run_amem("memory build " + kConfig + " run.output_dir=" + (out / "build").string()).exit_code, 0);
  const auto bank = only_run(out / "build") / "memory_bank.safetensors";
  // Another seed initialises the untrained networks' learned queries differently: other weights.
  const auto r = run_amem("eval " + kConfig + " run.seed=5 memory.load=" + bank.string() + " run.output_dir=" +
                          (out / "eval").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(bank.string() + ": made by 'MAC amortizer "), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out / "eval")) << "a refused bank must not leave a run folder";

  const auto unsaved = run_amem("eval " + kConfig + " memory.save=false run.output_dir=" + (out / "unsaved").string());
  ASSERT_EQ(unsaved.exit_code, 0) << unsaved.output;
  EXPECT_FALSE(std::filesystem::exists(only_run(out / "unsaved") / "memory_bank.safetensors"));
}

// Issue 12, item 1: StreamingQA ids are CSV line numbers, so another file's line 2 is another
// text. A bank built from the sample must not answer for a file with other texts on the same
// lines: those documents are amortized, and only identical texts reuse stored modulations.
TEST(MemoryCommand, ABankIsReusedOnlyForTheTextsItWasBuiltFrom) {
  const auto out = amem::testing::fresh_dir("memory_command_content");
  const std::string config = "configs/eval/streamingqa_mac.yaml";
  const auto build = run_amem("memory build " + config + " run.output_dir=" + (out / "build").string());
  ASSERT_EQ(build.exit_code, 0) << build.output;
  // Five rows; rows 2 and 3 ask about one document.
  EXPECT_NE(build.output.find("4 documents (4 amortized, 0 from memory.load)"), std::string::npos) << build.output;
  const auto bank = only_run(out / "build") / "memory_bank.safetensors";
  const auto built = MemoryBank::load(bank.string());

  // The same questions and answers on the same lines, about other texts.
  const auto other = out / "other.csv";
  amem::testing::write_file(other,
                            "question,answers,text\n"
                            "Who was elected mayor of Korra?,Ines Varga,The harbour of Tessa opened a ferry pier.\n"
                            "What share of the vote did the new mayor win?,62 percent,A comet passed the moon.\n"
                            "Which tram line links Selvik airport with the central station?,Line 7,Bees left the hive.\n"
                            "When was Winter Field returned?,3 February 2021,Snow fell in the valley.\n"
                            "Where was the earliest apple harvest on record reported?,the Lune valley,A bridge rusted.\n");
  const auto eval = run_amem("eval " + config + " data.test_path=" + other.string() + " memory.load=" + bank.string() +
                             " run.output_dir=" + (out / "other").string());
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("memory bank: 9 documents (4 from memory.load)"), std::string::npos) << eval.output;
  const auto run = only_run(out / "other");
  const auto results = results_of(run);
  EXPECT_EQ(results["memory_bank"]["documents"], 9);
  EXPECT_EQ(results["memory_bank"]["loaded"], 4);
  // Each new text got the modulation a bank built from that file alone gives it, under its own
  // key and with its dataset id kept (the same "line N" ids as the built bank's).
  const auto fresh = run_amem("memory build " + config + " data.test_path=" + other.string() + " memory.batch_size=1" +
                              " run.output_dir=" + (out / "fresh").string());
  ASSERT_EQ(fresh.exit_code, 0) << fresh.output;
  const auto fresh_bank = MemoryBank::load((only_run(out / "fresh") / "memory_bank.safetensors").string());
  const auto answered = MemoryBank::load((run / "memory_bank.safetensors").string());
  ASSERT_EQ(answered.size(), 9);
  const auto tail = [](const std::vector<std::string>& v) { return std::vector<std::string>(v.begin() + 4, v.end()); };
  EXPECT_EQ(std::vector<std::string>(answered.content_keys().begin(), answered.content_keys().begin() + 4),
            built.content_keys());
  EXPECT_EQ(tail(answered.content_keys()), fresh_bank.content_keys());
  EXPECT_EQ(tail(answered.document_ids()), fresh_bank.document_ids());
  for (const auto& id : built.document_ids())
    EXPECT_NE(std::find(fresh_bank.document_ids().begin(), fresh_bank.document_ids().end(), id),
              fresh_bank.document_ids().end())
        << id << " is a line of both files";
  amem::testing::expect_same_up_to_batching(answered.modulations().slice(0, 4), fresh_bank.modulations());

  // The file the bank was built from reuses every entry and amortizes nothing.
  const auto same = run_amem("eval " + config + " memory.load=" + bank.string() + " run.output_dir=" +
                             (out / "same").string());
  ASSERT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("memory bank: 4 documents (4 from memory.load)"), std::string::npos) << same.output;
}
