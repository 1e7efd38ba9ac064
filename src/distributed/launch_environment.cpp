#include "amem/distributed/launch_environment.h"

#include <cerrno>
#include <cstdlib>

#include "amem/core/error.h"

namespace amem::distributed {

namespace {

// A whole decimal integer in [low, high], or ConfigError naming the variable.
int integer_variable(const char* name, const char* value, long low, long high) {
  char* end = nullptr;
  errno = 0;
  const long parsed = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || errno != 0 || parsed < low || parsed > high)
    throw ConfigError(std::string("environment variable ") + name + "=" + value + ": expected an integer in " +
                      std::to_string(low) + ".." + std::to_string(high));
  return int(parsed);
}

const char* required(const Getenv& getenv, const char* name, const char* because) {
  const char* value = getenv(name);
  if (!value || !*value)
    throw ConfigError(std::string("environment variable ") + name + ": not set, but " + because);
  return value;
}

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  // The list is comma-separated hosts, each a prefix with bracketed sets of numbers or ranges:
  // the first host is the first entry's text with each set replaced by its first number.
  std::string host;
  size_t i = 0;
  for (; i < nodelist.size() && nodelist[i] != ','; ++i) {
    if (nodelist[i] != '[') {
      host += nodelist[i];
      continue;
    }
    const size_t close = nodelist.find(']', i);
    if (close == std::string::npos)
      throw ConfigError("environment variable SLURM_JOB_NODELIST=" + nodelist + ": a '[' is not closed");
    const std::string set = nodelist.substr(i + 1, close - i - 1);
    const std::string first = set.substr(0, set.find_first_of(",-"));
    if (first.empty())
      throw ConfigError("environment variable SLURM_JOB_NODELIST=" + nodelist + ": an empty [] set");
    host += first;
    i = close;
  }
  if (host.empty()) throw ConfigError("environment variable SLURM_JOB_NODELIST=" + nodelist + ": no host in it");
  return host;
}

std::optional<LaunchEnvironment> launch_environment(const Getenv& getenv) {
  LaunchEnvironment env;
  const long most = 1L << 20;  // far above any real job; keeps int arithmetic safe
  if (const char* rank = getenv("RANK")) {
    env.launcher = "torchrun";
    env.rank = integer_variable("RANK", rank, 0, most);
    env.world_size = integer_variable("WORLD_SIZE", required(getenv, "WORLD_SIZE", "RANK is"), 1, most);
    const char* local = getenv("LOCAL_RANK");
    env.local_rank = local ? integer_variable("LOCAL_RANK", local, 0, most) : 0;
  } else if (const char* procid = getenv("SLURM_PROCID")) {
    env.launcher = "slurm";
    env.rank = integer_variable("SLURM_PROCID", procid, 0, most);
    env.world_size = integer_variable("SLURM_NTASKS", required(getenv, "SLURM_NTASKS", "SLURM_PROCID is"), 1, most);
    const char* local = getenv("SLURM_LOCALID");
    env.local_rank = local ? integer_variable("SLURM_LOCALID", local, 0, most) : 0;
  } else {
    return std::nullopt;
  }
  if (env.world_size == 1) return std::nullopt;
  if (env.rank >= env.world_size)
    throw ConfigError(std::string("environment variable ") + (env.launcher == "slurm" ? "SLURM_PROCID" : "RANK") +
                      "=" + std::to_string(env.rank) + ": expected below the world size " +
                      std::to_string(env.world_size));
  const char* addr = getenv("MASTER_ADDR");
  if (addr && *addr) {
    env.master_addr = addr;
  } else if (env.launcher == "slurm") {
    const char* nodes = getenv("SLURM_JOB_NODELIST");
    if (!nodes) nodes = getenv("SLURM_NODELIST");  // the older name
    if (!nodes)
      throw ConfigError("environment variables MASTER_ADDR and SLURM_JOB_NODELIST: neither is set; a SLURM launch "
                        "needs one to find rank 0's host");
    env.master_addr = first_slurm_host(nodes);
  } else {
    required(getenv, "MASTER_ADDR", "RANK is set (torchrun sets both)");
  }
  const char* port = getenv("MASTER_PORT");
  if (port && *port)
    env.master_port = integer_variable("MASTER_PORT", port, 1, 65535);
  else if (env.launcher == "slurm")
    env.master_port = kDefaultMasterPort;
  else
    required(getenv, "MASTER_PORT", "RANK is set (torchrun sets both)");
  return env;
}

}  // namespace amem::distributed
