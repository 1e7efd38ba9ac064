#include "amem/run/progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace {

using amem::run::Progress;
using amem::run::ProgressOutput;

TEST(Progress, PlainLinesEveryTenthAndAtTheEnd) {
  std::ostringstream out;
  double now = 0;
  {
    Progress progress("eval", 20, ProgressOutput{&out, false, [&] { return now; }, 30});
    for (int i = 0; i < 5; ++i) {
      now += 0.5;
      progress.advance();  // a line at 2/20 and 4/20: each crosses a tenth
    }
    now += 100;  // a long step: a line because 30 s passed, though no new tenth
    progress.advance(0);
    now = 110;
    progress.advance(15);
    progress.finish();
  }
  EXPECT_EQ(out.str(),
            "eval 2/20 (10%) 2.0 it/s ETA 0:00:09\n"
            "eval 4/20 (20%) 2.0 it/s ETA 0:00:08\n"
            "eval 5/20 (25%) 20.5 s/it ETA 0:05:08\n"
            "eval 20/20 (100%) 5.5 s/it ETA 0:00:00\n"
            "eval 20/20 (100%) 5.5 s/it elapsed 0:01:50\n");
}

TEST(Progress, TerminalRedrawsOneLine) {
  std::ostringstream out;
  double now = 0;
  Progress progress("train", 4, ProgressOutput{&out, true, [&] { return now; }, 30});
  now = 0.05;
  progress.advance();  // within 0.1 s of the last draw: not redrawn
  now = 1;
  progress.advance();
  now = 2;
  progress.advance(2);
  progress.finish();
  progress.finish();  // a second finish prints nothing
  EXPECT_EQ(out.str(),
            "\rtrain [..............................] 0/4   0% 0.0 it/s ETA ?\x1b[K"
            "\rtrain [###############...............] 2/4  50% 2.0 it/s ETA 0:00:01\x1b[K"
            "\rtrain [##############################] 4/4 100% 2.0 it/s ETA 0:00:00\x1b[K"
            "\rtrain [##############################] 4/4 100% 2.0 it/s elapsed 0:00:02\x1b[K\n");
}

TEST(Progress, SlowLoopsShowSecondsPerStep) {
  std::ostringstream out;
  double now = 0;
  Progress progress("slow", 3, ProgressOutput{&out, false, [&] { return now; }, 30});
  now = 4;
  progress.advance();
  EXPECT_EQ(out.str(), "slow 1/3 (33%) 4.0 s/it ETA 0:00:08\n");
}

}  // namespace
