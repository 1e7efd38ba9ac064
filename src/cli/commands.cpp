#include "cli/commands.h"

namespace amem::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {};
  return table;
}

}  // namespace amem::cli
