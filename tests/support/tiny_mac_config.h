// A MAC or CMT config under configs/ over the tiny test checkpoints and the StreamingQA sample,
// as the method tests load it (the shipped tiny configs name the same files relative to the
// source folder; absolute paths make the tests independent of the working directory).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/config/config.h"

namespace amem::testing {

// `file` relative to configs/ ("mac/tiny_gpt2.yaml"); `overrides` apply after the paths.
inline config::Config tiny_mac_config(const std::string& file, std::vector<std::string> overrides) {
  const std::filesystem::path source = AMEM_SOURCE_DIR;
  const auto models = source / "tests" / "data" / "models";
  const auto data = source / "data" / "streamingqa-sample";
  overrides.insert(overrides.begin(), {"model.path=" + (models / "tiny-gpt2").string(),
                                       "mac.amortizer=" + (models / "tiny-t5").string(),
                                       "mac.question_encoder=" + (models / "tiny-t5").string(),
                                       "data.train_path=" + (data / "train.csv").string(),
                                       "data.val_path=" + (data / "val.csv").string(),
                                       "data.test_path=" + (data / "test.csv").string()});
  return config::load_config(config::amem_schema(), (source / "configs" / file).string(), overrides);
}

}  // namespace amem::testing
