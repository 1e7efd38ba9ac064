#include "amem/distributed/launch_environment.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "amem/core/error.h"
#include "support/error_of.h"

namespace {

using amem::distributed::first_slurm_host;
using amem::distributed::launch_environment;

amem::distributed::Getenv env_of(const std::map<std::string, std::string>& variables) {
  return [variables](const char* name) -> const char* {
    const auto it = variables.find(name);
    return it == variables.end() ? nullptr : it->second.c_str();
  };
}

TEST(LaunchEnvironment, ReadsTorchrunsVariables) {
  const auto env = launch_environment(env_of(
      {{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "n1"}, {"MASTER_PORT", "29501"}}));
  ASSERT_TRUE(env);
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->world_size, 4);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->master_addr, "n1");
  EXPECT_EQ(env->master_port, 29501);
  EXPECT_EQ(env->launcher, "torchrun");
}

TEST(LaunchEnvironment, NoLauncherOrOneProcessIsNoGroup) {
  EXPECT_FALSE(launch_environment(env_of({})));
  EXPECT_FALSE(launch_environment(env_of({{"RANK", "0"}, {"WORLD_SIZE", "1"}})));
  EXPECT_FALSE(launch_environment(env_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}})));
}

TEST(LaunchEnvironment, SlurmTakesTheMasterFromTheNodeListAndTorchrunWins) {
  const auto slurm = launch_environment(env_of({{"SLURM_PROCID", "5"},
                                                {"SLURM_NTASKS", "8"},
                                                {"SLURM_LOCALID", "1"},
                                                {"SLURM_JOB_NODELIST", "gpu[07-10],login"}}));
  ASSERT_TRUE(slurm);
  EXPECT_EQ(slurm->rank, 5);
  EXPECT_EQ(slurm->world_size, 8);
  EXPECT_EQ(slurm->local_rank, 1);
  EXPECT_EQ(slurm->master_addr, "gpu07");
  EXPECT_EQ(slurm->master_port, amem::distributed::kDefaultMasterPort);
  EXPECT_EQ(slurm->launcher, "slurm");
  const auto explicit_master = launch_environment(env_of({{"SLURM_PROCID", "0"},
                                                          {"SLURM_NTASKS", "2"},
                                                          {"SLURM_JOB_NODELIST", "gpu[07-10]"},
                                                          {"MASTER_ADDR", "10.0.0.1"},
                                                          {"MASTER_PORT", "1234"}}));
  EXPECT_EQ(explicit_master->master_addr, "10.0.0.1");
  EXPECT_EQ(explicit_master->master_port, 1234);
  // `srun torchrun ...`: torchrun's RANK is the process's, not SLURM's task id.
  const auto both = launch_environment(env_of({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"RANK", "6"},
                                               {"WORLD_SIZE", "16"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}}));
  EXPECT_EQ(both->rank, 6);
  EXPECT_EQ(both->world_size, 16);
}

TEST(LaunchEnvironment, FirstSlurmHost) {
  EXPECT_EQ(first_slurm_host("node01"), "node01");
  EXPECT_EQ(first_slurm_host("a,b,c"), "a");
  EXPECT_EQ(first_slurm_host("node[01-04],other"), "node01");
  EXPECT_EQ(first_slurm_host("node[3,5-7]"), "node3");
  EXPECT_EQ(first_slurm_host("rack[2-3]-n[5,7]"), "rack2-n5");
  EXPECT_EQ(first_slurm_host("gpu[007-010]-ib"), "gpu007-ib");
  for (const char* bad : {"", "node[01-04", "node[]", ",a"})
    EXPECT_NE(amem::testing::error_of([&] { first_slurm_host(bad); }).find("SLURM_JOB_NODELIST"),
              std::string::npos)
        << bad;
}

TEST(LaunchEnvironment, MalformedVariablesNameThemselves) {
  const auto error = [](const std::map<std::string, std::string>& variables) {
    return amem::testing::error_of([&] { launch_environment(env_of(variables)); });
  };
  EXPECT_NE(error({{"RANK", "0"}}).find("WORLD_SIZE: not set"), std::string::npos);
  EXPECT_NE(error({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}})
                .find("RANK=2: expected below the world size 2"),
            std::string::npos);
  EXPECT_NE(error({{"RANK", "x"}, {"WORLD_SIZE", "2"}}).find("RANK=x: expected an integer"), std::string::npos);
  EXPECT_NE(error({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "1"}}).find("MASTER_ADDR: not set"),
            std::string::npos);
  EXPECT_NE(error({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "70000"}})
                .find("MASTER_PORT=70000"),
            std::string::npos);
  EXPECT_NE(error({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}).find("SLURM_JOB_NODELIST"), std::string::npos);
}

}  // namespace
