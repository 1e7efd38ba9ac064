// The adapter a config names (eval.adapter), with its base LM (model.*) loaded: frozen for
// "none", trainable for the fine-tuning baselines (adapt.*; with adapt.light_tune_steps > 0
// their light-tune pairs are every question of data.train_path).
#pragma once

#include <memory>

#include "amem/config/config.h"
#include "amem/eval/adapter.h"

namespace amem::methods {

std::unique_ptr<eval::Adapter> make_adapter(const config::Config& config);

}  // namespace amem::methods
