#include "amem/methods/camels/camels_settings.h"

#include "amem/config/config_path.h"
#include "amem/core/error.h"

namespace amem::methods::camels {

void CamelsSettings::declare(config::Schema& schema) {
  schema.section("camels", "CaMeLS: the token-weighting model, its meta-training, its online use")
      .optional<std::string>("weight_model_path",
                             "a saved weight model (best/ or last/ of `amem train`), or a causal-LM checkpoint "
                             "folder (distilgpt2) to start a fresh one from")
      .field<bool>("freeze_body", false, "train the weighting head only; the transformer body stays fixed")
      .field<bool>("normalize_weights", false, "rescale each document's weights to mean 1 over its real tokens")
      .field<bool>("untrained_head", false,
                   "let the online evaluation use a weight model whose head was never trained (uniform weights)")
      .field<double>("inner_lr", 5e-4, "SGD learning rate of the base LM's step on each document in meta-training")
      .positive()
      .field<bool>("sequential_update", true,
                   "one inner step per document of the batch, in order; false: one step on the whole batch")
      .field<int64_t>(
          "reset_base_freq", 24,
          "documents after which the base LM returns to its starting weights (a multiple of train.batch_size)")
      .at_least(1)
      .field<double>("c_kl", 0.1, "weight of KL(base ‖ updated) on the locality text")
      .at_least(0)
      .field<double>("c_norm", 0.0, "weight of the Lp norm of (weights − 1) over real tokens")
      .at_least(0)
      .field<double>("norm_p", 2.0, "p of that norm")
      .positive()
      .field<std::string>("locality_path", "",
                          "unrelated text for the KL term, one passage per line; empty: documents of the training set")
      .field<int64_t>("locality_batch_size", 1, "locality passages per meta step")
      .at_least(1);
}

CamelsSettings CamelsSettings::from(const config::Config& config) {
  if (config.is_null("camels.weight_model_path"))
    throw ConfigError(config.source() +
                      ": camels.weight_model_path: missing (a weight model or checkpoint folder is needed)");
  CamelsSettings s;
  s.weight_model_path =
      config::existing_path(config, "camels.weight_model_path", config::PathKind::folder, "config.json");
  s.freeze_body = config.get<bool>("camels.freeze_body");
  s.normalize_weights = config.get<bool>("camels.normalize_weights");
  s.untrained_head = config.get<bool>("camels.untrained_head");
  s.inner_lr = config.get<double>("camels.inner_lr");
  s.sequential_update = config.get<bool>("camels.sequential_update");
  s.reset_base_freq = config.get<int64_t>("camels.reset_base_freq");
  s.c_kl = config.get<double>("camels.c_kl");
  s.c_norm = config.get<double>("camels.c_norm");
  s.norm_p = config.get<double>("camels.norm_p");
  if (!config.get<std::string>("camels.locality_path").empty())
    s.locality_path = config::existing_path(config, "camels.locality_path", config::PathKind::file);
  s.locality_batch_size = config.get<int64_t>("camels.locality_batch_size");
  return s;
}

}  // namespace amem::methods::camels
