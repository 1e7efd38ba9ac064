// MAC in the online evaluation: each streamed document is amortized into the memory bank as it
// arrives (one forward, no gradient), then every question aggregates the whole bank
// (hierarchically with a window) into the prefix under which the frozen base LM answers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amem/eval/adapter.h"
#include "amem/eval/greedy_answerer.h"
#include "amem/memory/memory_bank.h"
#include "amem/methods/mac/mac_model.h"

namespace amem::methods {

class MacAdapter : public eval::Adapter {
 public:
  // `mac` must outlive the adapter.
  MacAdapter(MacModel& mac, eval::GreedyAnswerer answerer, std::optional<int64_t> window)
      : mac_(mac), answerer_(std::move(answerer)), window_(window) {}
  // Owning `mac` (amem eval builds the model for the adapter alone).
  MacAdapter(std::shared_ptr<MacModel> mac, eval::GreedyAnswerer answerer, std::optional<int64_t> window)
      : owned_(std::move(mac)), mac_(*owned_), answerer_(std::move(answerer)), window_(window) {}

  std::string name() const override { return window_ ? "mac-window-" + std::to_string(*window_) : "mac"; }
  void absorb(const data::Document& document) override;
  std::vector<std::string> answer(const std::vector<data::Question>& questions) override;

  const memory::MemoryBank& bank() const { return bank_; }

 private:
  std::shared_ptr<MacModel> owned_;
  MacModel& mac_;
  eval::GreedyAnswerer answerer_;
  std::optional<int64_t> window_;
  memory::MemoryBank bank_;
};

}  // namespace amem::methods
