#include "amem/models/save_t5.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "amem/core/error.h"
#include "amem/io/atomic_file.h"
#include "amem/io/atomic_folder.h"
#include "amem/io/safetensors.h"
#include "amem/models/config_dtype_name.h"
#include "amem/text/tokenizer.h"

namespace amem::models {

namespace fs = std::filesystem;

void save_t5(const T5ForConditionalGenerationImpl& model, const std::string& tokenizer_dir, const std::string& out_dir) {
  const fs::path source(tokenizer_dir);
  std::vector<std::string> copied;
  for (const auto& file : text::tokenizer_file_names())
    if (fs::is_regular_file(source / file)) copied.push_back(file);
  if (copied.empty())
    throw Error(tokenizer_dir + ": no tokenizer file to save beside the T5 (expected spiece.model)");

  // The module names are transformers' (t5_stack.h); `shared` is the only embedding table.
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& item : model.named_parameters(/*recurse=*/true))
    tensors.emplace_back(item.key(), item.value().detach());
  auto config = t5_config_json(model.config());
  config["dtype"] = config_dtype_name(tensors.front().second.scalar_type(), "save_t5");

  io::write_folder_atomic(out_dir, [&](const fs::path& staging) {
    io::save_safetensors((staging / "model.safetensors").string(), tensors, {{"format", "pt"}});
    io::write_file_atomic((staging / "config.json").string(), config.dump(2) + "\n");
    for (const auto& file : copied) fs::copy_file(source / file, staging / file);
  });
}

}  // namespace amem::models
