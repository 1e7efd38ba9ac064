// The aggregator is chosen by name (mac.aggregator) from a registry, as selectors are: an
// unknown name is a one-line config error listing the registered ones, and an aggregator
// registered by this test (no edit to MacModel or the training task) is what both answering and
// a training step call. MAC's own, the default, is checked bit for bit by the MAC and CMT tests.
#include "amem/memory/aggregator.h"

#include <gtest/gtest.h>

#include <atomic>

#include "amem/methods/mac/mac_model.h"
#include "amem/methods/mac/mac_training_task.h"
#include "support/error_of.h"
#include "support/tiny_mac_config.h"

namespace {

using amem::testing::tiny_mac_config;

// Scales MAC's single read by 2 and counts its calls.
class DoublingAggregator : public amem::memory::Aggregator {
 public:
  explicit DoublingAggregator(std::atomic<int>& calls) : calls_(calls) {}
  torch::Tensor aggregate(amem::memory::AggregationNetworkImpl& network, const torch::Tensor& queries,
                          const torch::Tensor& memory, std::optional<int64_t>) const override {
    ++calls_;
    return 2 * network.attend(queries, memory);
  }

 private:
  std::atomic<int>& calls_;
};

// Registers `doubling` for the test's lifetime.
class RegisteredDoubling {
 public:
  RegisteredDoubling() {
    amem::memory::aggregator_registry().push_back(
        {"doubling", nullptr, [this](const amem::config::Config&) {
           return std::make_shared<const DoublingAggregator>(calls);
         }});
  }
  ~RegisteredDoubling() { amem::memory::aggregator_registry().pop_back(); }
  std::atomic<int> calls{0};
};

}  // namespace

TEST(AggregatorRegistry, AnUnknownNameIsOneConfigErrorListingTheRegisteredOnes) {
  const auto config = tiny_mac_config("mac/tiny_gpt2.yaml", {"mac.aggregator=pyramid"});
  try {
    amem::methods::MacSettings::from(config);
    FAIL() << "no error";
  } catch (const amem::ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("mac.aggregator: unknown name 'pyramid' (registered: hierarchical)"), std::string::npos)
        << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(AggregatorRegistry, ATestRegisteredAggregatorAnswersAndTrains) {
  RegisteredDoubling doubling;
  torch::manual_seed(0);
  const auto config = tiny_mac_config("mac/tiny_gpt2.yaml", {"mac.aggregator=doubling"});
  auto task = std::make_unique<amem::methods::MacTrainingTask>(config);
  auto& mac = task->model();
  torch::NoGradGuard no_grad;
  const std::vector<std::string> questions = {"who wrote it?", "when was it?"};
  const auto bank = mac.amortize({"a first document", "a second one", "and a third"});
  const auto modulation = mac.aggregate(questions, bank);
  EXPECT_EQ(doubling.calls.load(), 1);
  // By hand: MAC's single read of the whole bank, doubled.
  auto& network = *mac.networks()->aggregator;
  const auto tokens = mac.question_tokens(questions);
  const auto expected = 2 * network.attend(network.encode_questions(tokens.ids, tokens.mask), bank.unsqueeze(0));
  EXPECT_TRUE(torch::allclose(modulation, expected, 1e-6, 1e-6));
  // A window goes to the aggregator too, and a training step calls it.
  mac.aggregate(questions, bank, 2);
  EXPECT_EQ(doubling.calls.load(), 2);
  task->loss_on({0, 1, 2, 3});
  EXPECT_EQ(doubling.calls.load(), 3);
}
