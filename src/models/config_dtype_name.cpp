#include "amem/models/config_dtype_name.h"

#include "amem/core/error.h"

namespace amem::models {

std::string config_dtype_name(torch::ScalarType dtype, const std::string& who) {
  switch (dtype) {
    case torch::kFloat32: return "float32";
    case torch::kBFloat16: return "bfloat16";
    case torch::kFloat16: return "float16";
    default: throw Error(who + ": cannot record dtype " + c10::toString(dtype) +
                         " in config.json (expected float32, bfloat16 or float16)");
  }
}

}  // namespace amem::models
