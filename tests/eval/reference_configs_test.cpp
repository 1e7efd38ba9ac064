// configs/eval/*_reference.yaml set the reference's evaluation values (configs/README.md,
// "Reference protocol"): read here as amem reads them.
#include <gtest/gtest.h>

#include "amem/config/amem_schema.h"
#include "amem/eval/eval_settings.h"

using namespace amem;

TEST(ReferenceConfigs, SetTheReferencesAnswerAndStreamValues) {
  for (const std::string dataset : {"squad", "streamingqa", "archivalqa"})
    for (const std::string method : {"mac", "camels"}) {
      const std::string name = dataset + "_" + method + "_reference.yaml";
      const auto config =
          config::load_config(config::amem_schema(), std::string(AMEM_TEST_DATA_DIR) + "/../../configs/eval/" + name, {});
      const auto eval = eval::EvalSettings::from(config);
      EXPECT_EQ(eval.adapter, method) << name;
      EXPECT_EQ(eval.answer.prediction_text, eval::PredictionText::reference) << name;
      EXPECT_EQ(eval.answer.max_new_tokens, 16) << name;
      EXPECT_EQ(eval.batch_size, 1) << name;
      EXPECT_EQ(eval.gold_max_tokens, 24) << name;
      // Both answer with 12 beams in 4 groups, penalty 10, early stopping (M:evals/qa_utils.py:91-103,
      // C:subroutines.py:36-63); MAC's bank holds one entry per test row.
      EXPECT_EQ(eval.answer.decoding, eval::Decoding::group_beam) << name;
      EXPECT_EQ(eval.answer.group_beam.num_beams, 12) << name;
      EXPECT_EQ(eval.answer.group_beam.num_beam_groups, 4) << name;
      EXPECT_EQ(eval.answer.group_beam.diversity_penalty, 10.0) << name;
      EXPECT_EQ(eval.answer.group_beam.length_penalty, 1.0) << name;
      EXPECT_TRUE(eval.answer.group_beam.early_stopping) << name;
      EXPECT_EQ(eval.bank_entries, method == "mac" ? eval::BankEntries::per_row : eval::BankEntries::per_document)
          << name;
      // MAC cuts prompts to 256 tokens and reads its fixed test file in order; CaMeLS does neither.
      EXPECT_EQ(eval.answer.prompt_max_tokens, method == "mac" ? std::optional<int64_t>(256) : std::nullopt) << name;
      EXPECT_EQ(config.get<bool>("data.shuffle"), method != "mac") << name;
      if (method == "mac") {
        EXPECT_EQ(config.get<int64_t>("data.downsample_to"), -1) << name;
        EXPECT_TRUE(config.is_null("memory.window")) << name;
      }
    }
}
