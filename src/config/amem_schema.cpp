#include "amem/config/amem_schema.h"

#include "amem/run/run_settings.h"

namespace amem::config {

const Schema& amem_schema() {
  static const Schema schema = [] {
    Schema s;
    run::RunSettings::declare(s);
    return s;
  }();
  return schema;
}

}  // namespace amem::config
