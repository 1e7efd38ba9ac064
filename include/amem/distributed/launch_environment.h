// Which process of a multi-process (data-parallel) run this one is, read from the variables the
// ecosystem's launchers set: torchrun's (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT;
// `amem launch` sets the same ones) or SLURM's (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, with the
// master from MASTER_ADDR or the first host of SLURM_JOB_NODELIST). torchrun's win when both are
// set (`srun torchrun ...` starts torchrun once per node, which then sets RANK for its children).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace amem::distributed {

struct LaunchEnvironment {
  int rank = 0;        // 0 .. world_size-1, over all machines
  int world_size = 1;  // processes in the run
  int local_rank = 0;  // index on this machine; selects cuda:local_rank
  std::string master_addr;  // where rank 0 serves the rendezvous store (TCPStore)
  int master_port = 0;
  std::string launcher;  // "torchrun" (torchrun or amem launch) or "slurm", for messages
};

// Reads a variable; nullptr when unset (std::getenv in the program, a map in tests).
using Getenv = std::function<const char*(const char*)>;

// The launch this process belongs to; nullopt when none, or when the run has one process (world
// size 1 trains exactly as without a launcher, with no process group at all).
// Errors: amem::ConfigError naming the variable that is malformed or missing (RANK without
// WORLD_SIZE, a rank outside 0..WORLD_SIZE-1, no MASTER_ADDR, a port outside 1..65535).
std::optional<LaunchEnvironment> launch_environment(const Getenv& getenv);

// The first host of a SLURM node list: "node[01-04],gpu7" -> "node01", "a,b" -> "a",
// "rack[2-3]-n[5,7]" -> "rack2-n5". amem::ConfigError naming SLURM_JOB_NODELIST when empty or
// its brackets do not close.
std::string first_slurm_host(const std::string& nodelist);

// torchrun's default port, used by SLURM launches without MASTER_PORT.
constexpr int kDefaultMasterPort = 29500;

}  // namespace amem::distributed
