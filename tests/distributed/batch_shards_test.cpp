// BatchShards (validation batches split over the ranks and gathered in one-process order), the
// byte gather under it, and the ranks' config check: two ranks over Gloo as two threads of this
// process, so each case takes milliseconds.
#include "amem/distributed/batch_shards.h"

#include <gtest/gtest.h>

#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "amem/core/error.h"
#include "amem/distributed/process_group.h"
#include "amem/distributed/same_config.h"
#include "support/two_ranks.h"

namespace {

using amem::distributed::BatchShards;
using amem::distributed::ProcessGroup;

// Runs body(group) as rank 0 and rank 1 of a two-rank CPU group, one thread each; returns each
// rank's exception (null when it returned).
std::vector<std::exception_ptr> on_two_ranks(const std::function<void(ProcessGroup&)>& body) {
  const int port = amem::testing::free_port();
  std::vector<std::exception_ptr> failures(2);
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < 2; ++rank)
    ranks.emplace_back([&, rank] {
      try {
        amem::distributed::LaunchEnvironment env;
        env.rank = env.local_rank = rank;
        env.world_size = 2;
        env.master_addr = "127.0.0.1";
        env.master_port = port;
        env.launcher = "torchrun";
        ProcessGroup group(env, torch::kCPU, std::chrono::seconds(30));
        body(group);
      } catch (...) {
        failures[size_t(rank)] = std::current_exception();
      }
    });
  for (auto& t : ranks) t.join();
  return failures;
}

void rethrow(const std::vector<std::exception_ptr>& failures) {
  for (const auto& f : failures)
    if (f) std::rethrow_exception(f);
}

// Batch b's result as rank b mod 2 computes it: bytes that are no UTF-8, a NUL, an empty one.
std::string result_of(size_t batch) {
  return batch == 1 ? std::string() : "batch " + std::to_string(batch) + std::string("\0\xff", 2);
}

// Each rank computes the batches BatchShards gives it; the gathered results must be all of them,
// in batch order, on both ranks.
void expect_gathered_in_order(size_t batches) {
  std::vector<std::vector<size_t>> computed(2);
  std::vector<std::vector<std::string>> gathered(2);
  rethrow(on_two_ranks([&](ProcessGroup& group) {
    const BatchShards shards(&group);
    std::vector<std::string> mine;
    for (size_t b = 0; b < batches; ++b)
      if (shards.mine(b)) {
        computed[size_t(group.rank())].push_back(b);
        mine.push_back(result_of(b));
      }
    gathered[size_t(group.rank())] = shards.gather(batches, mine, "the test's results");
  }));
  std::vector<std::string> expected;
  for (size_t b = 0; b < batches; ++b) expected.push_back(result_of(b));
  EXPECT_EQ(gathered[0], expected);
  EXPECT_EQ(gathered[1], expected);
  // Disjoint, all of them, the remainder's batch on rank 0.
  std::vector<size_t> even, odd;
  for (size_t b = 0; b < batches; ++b) (b % 2 ? odd : even).push_back(b);
  EXPECT_EQ(computed[0], even);
  EXPECT_EQ(computed[1], odd);
}

TEST(BatchShards, AnOddNumberOfBatchesIsGatheredInOneProcessOrder) {
  SKIP_WITHOUT_GLOO();
  expect_gathered_in_order(5);  // rank 0: 0, 2, 4; rank 1: 1, 3
}

TEST(BatchShards, FewerBatchesThanRanksLeaveARankWithNone) {
  SKIP_WITHOUT_GLOO();
  expect_gathered_in_order(1);
  expect_gathered_in_order(0);
}

TEST(BatchShards, OneProcessDoesEveryBatch) {
  const BatchShards one;
  EXPECT_TRUE(one.mine(0) && one.mine(7) && one.writes());
  EXPECT_EQ(one.gather(2, {"a", "b"}, "test"), (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(one.gather(3, {"a", "b"}, "test"), std::logic_error);
}

TEST(BatchShards, PackingKeepsEveryByteAndValue) {
  const std::vector<std::string> items = {"", std::string("\0x", 2), "\xc3("};
  EXPECT_EQ(amem::distributed::unpack_strings(amem::distributed::pack_strings(items)), items);
  const std::vector<double> values = {0.1, -0.0, 1e-310, 3.0 / 7.0};
  const auto back = amem::distributed::unpack_values(amem::distributed::pack_values(values));
  ASSERT_EQ(back.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(std::memcmp(&back[i], &values[i], sizeof(double)), 0);
}

TEST(SameConfig, RanksWithDifferentConfigsAreRefusedNamingTheKey) {
  SKIP_WITHOUT_GLOO();
  const std::string config = "run:\n  seed: 1\ntrain:\n  steps: 4\n  lr: 0.001\n";
  rethrow(on_two_ranks([&](ProcessGroup& group) { amem::distributed::check_same_config(group, config); }));
  const auto failures = on_two_ranks([&](ProcessGroup& group) {
    std::string mine = config;
    if (group.rank() == 1) mine.replace(mine.find("steps: 4"), 8, "steps: 5");
    amem::distributed::check_same_config(group, mine);
  });
  for (int rank = 0; rank < 2; ++rank) {
    ASSERT_TRUE(failures[size_t(rank)]) << "rank " << rank;
    try {
      std::rethrow_exception(failures[size_t(rank)]);
    } catch (const amem::ConfigError& e) {
      EXPECT_EQ(std::string(e.what()),
                "distributed: the ranks resolved different configs (rank 1 has train.steps: 5 where rank 0 has 4); "
                "every rank must be given the same config file and overrides");
    }
  }
}

}  // namespace
