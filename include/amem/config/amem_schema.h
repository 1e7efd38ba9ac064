// The schema of every config section amem knows. A part of amem that adds a section
// declares it next to its own code (a static `declare(config::Schema&)`) and adds one line
// to amem_schema() in src/config/amem_schema.cpp; the order there is the order of sections
// in every resolved config.
#pragma once

#include "amem/config/schema.h"

namespace amem::config {

const Schema& amem_schema();

}  // namespace amem::config
