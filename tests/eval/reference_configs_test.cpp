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
      // MAC cuts prompts to 256 tokens and reads its fixed test file in order; CaMeLS does neither.
      EXPECT_EQ(eval.answer.prompt_max_tokens, method == "mac" ? std::optional<int64_t>(256) : std::nullopt) << name;
      EXPECT_EQ(config.get<bool>("data.shuffle"), method != "mac") << name;
      if (method == "mac") {
        EXPECT_EQ(config.get<int64_t>("data.downsample_to"), -1) << name;
        EXPECT_TRUE(config.is_null("memory.window")) << name;
      }
    }
}
