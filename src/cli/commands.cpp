#include "cli/commands.h"

namespace amem::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"inspect", "list the tensors of a safetensors file or checkpoint folder", run_inspect},
  };
  return table;
}

}  // namespace amem::cli
