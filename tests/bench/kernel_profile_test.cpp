// The MFU numerator of the benches' profile (bench/kernel_profile.h): a GEMM call inside another
// call of the same operator on the same thread — autocast calls the operator again on its cast
// inputs — counts once; calls after one another, of other operators, or on other threads count.
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
