#include "amem/config/amem_schema.h"

#include "amem/data/data_settings.h"
#include "amem/distributed/distributed_settings.h"
#include "amem/eval/eval_settings.h"
#include "amem/memory/memory_settings.h"
#include "amem/methods/adapt_settings.h"
#include "amem/methods/camels/camels_settings.h"
#include "amem/methods/cmt/cmt_settings.h"
#include "amem/methods/mac/mac_settings.h"
#include "amem/models/model_settings.h"
#include "amem/pretrain/pretrain_settings.h"
#include "amem/run/run_settings.h"
#include "amem/train/train_settings.h"

namespace amem::config {

const Schema& amem_schema() {
  static const Schema schema = [] {
    Schema s;
    run::RunSettings::declare(s);
    models::ModelSettings::declare(s);
    data::DataSettings::declare(s);
    eval::EvalSettings::declare(s);
    methods::AdaptSettings::declare(s);
    methods::camels::CamelsSettings::declare(s);
    train::TrainSettings::declare(s);
    methods::MacSettings::declare(s);
    methods::cmt::CmtSettings::declare(s);
    memory::MemorySettings::declare(s);
    pretrain::PretrainSettings::declare(s);
    distributed::DistributedSettings::declare(s);
    return s;
  }();
  return schema;
}

}  // namespace amem::config
