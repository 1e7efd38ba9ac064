// End to end: `amem memory build/info`, and `amem eval` with MAC saving and reusing its bank.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "amem/memory/memory_bank.h"
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
  EXPECT_TRUE(torch::equal(MemoryBank::load((reuse_run / "memory_bank.safetensors").string()).modulations(),
                           eval_bank.modulations()));
}

TEST(MemoryCommand, InfoDescribesAndChecksABankAndRefusesOtherFiles) {
  const auto out = amem::testing::fresh_dir("memory_command_info");
  ASSERT_EQ(run_amem("memory build " + kConfig + " run.output_dir=" + out.string()).exit_code, 0);
  const auto bank = only_run(out) / "memory_bank.safetensors";

  const auto info = run_amem("memory info " + bank.string() + " --ids");
  ASSERT_EQ(info.exit_code, 0) << info.output;
  for (const char* line : {"producer    MAC amortizer ", "documents   8", "modulation  4 tokens x 64, Float",
                           "bytes       1024 per document", "checksum    ok"})
    EXPECT_NE(info.output.find(line), std::string::npos) << line << "\n" << info.output;
  const auto loaded = MemoryBank::load(bank.string());
  for (const auto& id : loaded.document_ids())
    EXPECT_NE(info.output.find("\n" + id + "\n"), std::string::npos) << id;

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
