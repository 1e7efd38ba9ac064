// Progress of a long loop: steps done of total, rate and estimated time left.
//
//   run::Progress progress("train", steps);
//   for (...) { ...; progress.advance(); }
//   progress.finish();
//
// On a terminal one line is redrawn in place (at most every 0.1 s):
//   train [############..................] 40/100  40% 12.5 it/s ETA 0:00:04
// Otherwise (a log file, CI) plain lines are printed each time another tenth of the work is
// done and at least every `line_interval_s` seconds:
//   train 40/100 (40%) 12.5 it/s ETA 0:00:04
// finish() prints the final state with the elapsed time instead of the ETA:
//   train 100/100 (100%) 12.5 it/s elapsed 0:00:08
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace amem::run {

// Where and how progress is shown; tests substitute a string stream and a fake clock.
struct ProgressOutput {
  std::ostream* stream;
  bool terminal;                  // redraw one line, or print plain lines
  std::function<double()> clock;  // monotonic seconds
  double line_interval_s = 30;    // plain lines: the longest silence

  // std::cout, a terminal when stdout is one (isatty), the steady clock.
  static ProgressOutput standard();
};

class Progress {
 public:
  Progress(std::string label, int64_t total, ProgressOutput output = ProgressOutput::standard());
  ~Progress();  // finish() if not yet done, so a terminal line is always ended
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(int64_t steps = 1);
  void finish();

 private:
  std::string status(double now, bool final) const;
  void draw(double now, bool final);
  int64_t divisor() const { return total_ > 0 ? total_ : 1; }  // an empty loop is not 0/0

  std::string label_;
  int64_t total_;
  ProgressOutput out_;
  double start_;
  double last_draw_;
  int64_t done_ = 0;
  int last_tenth_ = 0;  // plain lines: the tenths of the work already reported
  bool finished_ = false;
};

}  // namespace amem::run
