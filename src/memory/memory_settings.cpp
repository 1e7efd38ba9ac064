#include "amem/memory/memory_settings.h"

#include <utility>

#include "amem/config/config_path.h"
#include "amem/core/error.h"

namespace amem::memory {

void MemorySettings::declare(config::Schema& schema) {
  schema.section("memory", "MAC's memory bank: how questions read it, and saving and reusing it")
      .optional<int64_t>("window", "answer with hierarchical aggregation in windows of this many entries; null: the whole bank at once")
      .at_least(2)
      .optional<std::string>("load", "a bank file (amem memory build, or an eval run's memory_bank.safetensors) to start from; stream documents whose exact content it holds are not amortized again")
      .field<bool>("save", true, "write the bank into the run folder as memory_bank.safetensors")
      .field<int64_t>("batch_size", 8, "documents per amortizer forward: `amem memory build` pads them into one batch; `amem eval` holds up to this many streamed documents and gives each group of equal token count one forward (so its modulations do not depend on it)")
      .at_least(1)
      .field<std::string>("dtype", "fp32", "precision the bank stores modulations in (and saves them in); the aggregation network reads them converted to its own")
      .one_of({"fp32", "bf16"})
      .field<std::string>("eval_batching", "same_length", "how amem eval shares amortizer forwards among the memory.batch_size documents it holds: same_length gives each group of equal token count one forward (modulations bit-identical to one document per forward on the CPU); padded pads them all into one forward, as amem memory build and the reference do (fewer forwards, modulations within float rounding)")
      .one_of({"same_length", "padded"})
      .field<bool>("bf16_autocast", false, "amortize documents under bf16 autocast, as meta-training runs the amortizer (CUDA only): faster, modulations within bf16 rounding of float32's");
}

std::vector<std::string> memory_keys_set(const config::Config& config) {
  // The defaults declare() gives.
  const std::vector<std::pair<std::string, bool>> keys = {
      {"memory.window", !config.is_null("memory.window")},
      {"memory.load", !config.is_null("memory.load")},
      {"memory.save", !config.get<bool>("memory.save")},
      {"memory.batch_size", config.get<int64_t>("memory.batch_size") != 8},
      {"memory.dtype", config.get<std::string>("memory.dtype") != "fp32"},
      {"memory.eval_batching", config.get<std::string>("memory.eval_batching") != "same_length"},
      {"memory.bf16_autocast", config.get<bool>("memory.bf16_autocast")}};
  std::vector<std::string> set;
  for (const auto& [key, is_set] : keys)
    if (is_set) set.push_back(key);
  return set;
}

MemorySettings MemorySettings::from(const config::Config& config) {
  MemorySettings s;
  if (!config.is_null("memory.window")) s.window = config.get<int64_t>("memory.window");
  if (!config.is_null("memory.load")) s.load = config::existing_path(config, "memory.load", config::PathKind::file);
  s.save = config.get<bool>("memory.save");
  s.batch_size = config.get<int64_t>("memory.batch_size");
  s.dtype = config.get<std::string>("memory.dtype") == "bf16" ? torch::kBFloat16 : torch::kFloat32;
  s.eval_pads_batches = config.get<std::string>("memory.eval_batching") == "padded";
  s.bf16_autocast = config.get<bool>("memory.bf16_autocast");
  // Autocast exists for CUDA here; on the CPU the key would silently change nothing.
  if (s.bf16_autocast && config.get<std::string>("model.device").rfind("cuda", 0) != 0)
    throw ConfigError("memory.bf16_autocast: bf16 autocast runs on CUDA only; model.device is " +
                      config.get<std::string>("model.device") + " (set model.device=cuda or memory.bf16_autocast=false)");
  return s;
}

}  // namespace amem::memory
