#include "amem/models/save_causal_lm.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "amem/core/error.h"
#include "amem/io/atomic_file.h"
#include "amem/io/atomic_folder.h"
#include "amem/io/json_file.h"
#include "amem/io/safetensors.h"
#include "amem/models/config_dtype_name.h"
#include "amem/text/tokenizer.h"

namespace amem::models {

namespace fs = std::filesystem;

void save_causal_lm(const CausalLm& model, const std::string& source_dir, const std::string& out_dir) {
  save_causal_lm(model, io::read_json_file((fs::path(source_dir) / "config.json").string()), source_dir, out_dir);
}

void save_causal_lm(const CausalLm& model, nlohmann::json config, const std::string& files_dir,
                    const std::string& out_dir) {
  const fs::path source(files_dir);

  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& item : model.named_parameters(/*recurse=*/true))
    tensors.emplace_back(model.checkpoint_prefix() + item.key(), item.value().detach());
  for (const auto& item : model.named_buffers(/*recurse=*/true))
    tensors.emplace_back(model.checkpoint_prefix() + item.key(), item.value().detach());
  if (tensors.empty()) throw Error("save_causal_lm: the model has no tensors");

  const std::string dtype = config_dtype_name(tensors.front().second.scalar_type(), "save_causal_lm");
  config["dtype"] = dtype;
  if (config.contains("torch_dtype")) config["torch_dtype"] = dtype;

  std::vector<std::string> copied = text::tokenizer_file_names();
  copied.push_back("generation_config.json");
  io::write_folder_atomic(out_dir, [&](const fs::path& staging) {
    io::save_safetensors((staging / "model.safetensors").string(), tensors, {{"format", "pt"}});
    io::write_file_atomic((staging / "config.json").string(), config.dump(2) + "\n");
    for (const auto& file : copied)
      if (fs::is_regular_file(source / file)) fs::copy_file(source / file, staging / file);
  });
}

}  // namespace amem::models
