// The benches' profile (bench/kernel_profile.h). The MFU numerator: a GEMM call inside another
// call of the same operator on the same thread — autocast calls the operator again on its cast
// inputs — counts once; calls after one another, of other operators, or on other threads count.
// The GPU time per part of the step: by operator, scope, and the forward scope of backward nodes.
#include "../../bench/kernel_profile.h"

#include <gtest/gtest.h>

TEST(KernelProfile, AGemmCallInsideACallOfTheSameOperatorCountsOnce) {
  using amem::bench::GemmCall;
  // thread 1: addmm [0, 100] with autocast's addmm [10, 90] inside; then addmm [120, 130];
  // an mm [20, 30] inside the first addmm (another operator); thread 2: addmm [5, 50].
  const std::vector<GemmCall> calls = {{"aten::addmm", 1, 120, 130, 4},  {"aten::addmm", 1, 10, 90, 1000},
                                       {"aten::addmm", 1, 0, 100, 1000}, {"aten::mm", 1, 20, 30, 16},
                                       {"aten::addmm", 2, 5, 50, 64},    {"aten::addmm", 1, 0, 100, 1000}};
  // The last one repeats the first: the same span twice is one call recorded twice.
  EXPECT_EQ(amem::bench::outermost_gemm_flops(calls), 1000 + 4 + 16 + 64);
  EXPECT_EQ(amem::bench::outermost_gemm_flops({}), 0);
}

// GPU time goes to the operator that launched it, that operator to its innermost amem.* scope,
// and an operator under a backward node to "backward of" the scope of the forward operator
// with the node's sequence number.
TEST(KernelProfile, GpuTimeGoesToTheScopeOfItsOperatorAndBackwardToItsForwardScope) {
  using amem::bench::HostEvent;
  const std::vector<HostEvent> events = {
      // thread 1, the forward and the optimiser
      {"amem.mac.amortize", 1, 0, 100, -1, 0},
      {"aten::addmm", 1, 10, 20, 5, 1.0},
      {"amem.mac.inner", 1, 25, 45, -1, 0},
      {"aten::relu", 1, 30, 40, 6, 0.5},
      {"amem.step.adamw", 1, 200, 300, -1, 0},
      {"aten::mul_", 1, 210, 220, -1, 2.0},
      {"aten::copy_", 1, 400, 410, -1, 0.25},
      // thread 2, autograd's: nodes made by the forward's operators (sequence numbers 5, 6) and
      // one whose forward operator was not recorded
      {"autograd::engine::evaluate_function: AddmmBackward0", 2, 50, 90, -1, 0},
      {"AddmmBackward0", 2, 51, 89, 5, 0},
      {"aten::mm", 2, 52, 60, -1, 3.0},
      {"ReluBackward0", 2, 95, 99, 6, 0},
      {"aten::threshold_backward", 2, 96, 98, -1, 0.125},
      {"MulBackward0", 2, 100, 110, 99, 0.0625},
  };
  const auto got = amem::bench::attribute_gpu_time(events);
  const std::map<std::string, double> parts = {{"amem.mac.amortize", 1.0},
                                               {"amem.mac.inner", 0.5},
                                               {"amem.step.adamw", 2.0},
                                               {"(no scope)", 0.25},
                                               {"backward of amem.mac.amortize", 3.0},
                                               {"backward of amem.mac.inner", 0.125},
                                               {"backward of ?", 0.0625}};
  EXPECT_EQ(got.by_part, parts);
  EXPECT_EQ(got.by_operator.at({"backward of amem.mac.amortize", "AddmmBackward0 > aten::mm"}), 3.0);
  EXPECT_EQ(got.by_operator.at({"backward of ?", "MulBackward0"}), 0.0625);
  EXPECT_EQ(got.by_operator.at({"amem.mac.inner", "aten::relu"}), 0.5);
  EXPECT_EQ(got.by_operator.size(), 7u);
}
