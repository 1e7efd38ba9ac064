// Keys only MAC reads (CMT's switches, the aggregator, trained networks): set for another
// method they would be silently ignored, so they are refused. Used by `amem eval` (any
// eval.adapter but mac) and training (any train.method but mac, `amem qa-tune`, `amem pretrain`).
#pragma once

#include <string>

#include "amem/config/config.h"

namespace amem::methods {

// Throws amem::ConfigError naming the first such key set away from its default, where it was set,
// and `chosen` (e.g. "eval.adapter 'uniform' (configs/eval/squad_uniform.yaml)"). A part's own
// keys (e.g. cmt.top_k.k) are read only when the part is chosen, so they are not checked.
void refuse_mac_only_keys(const config::Config& config, const std::string& chosen, const std::string& reader);

// For training that is not MAC's (`amem train` with another train.method, `amem qa-tune`,
// `amem pretrain`): the keys above, and train.metrics_every, which spaces MAC's extra metric
// forwards and is read by no other training task.
void refuse_mac_training_keys(const config::Config& config, const std::string& chosen);

}  // namespace amem::methods
