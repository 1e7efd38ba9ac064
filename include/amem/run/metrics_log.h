// metrics.jsonl: one JSON object per logged step, e.g.
//   {"step":100,"time":1763855627.25,"loss":2.31,"lr":0.0001}
// "time" is wall-clock seconds since the Unix epoch. Lines are appended and flushed one by
// one (not written atomically like other files) so that a run that dies keeps every step
// logged before it, and `tail -f` shows them as they come.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace amem::run {

class MetricsLog {
 public:
  using Clock = std::function<double()>;  // seconds since the Unix epoch
  static double system_time();

  // Opens `path` for appending (creating it); amem::Error if it cannot.
  explicit MetricsLog(const std::string& path, Clock clock = system_time);

  // Values keep the order given. "step" and "time" are taken (std::invalid_argument).
  void log(int64_t step, const std::vector<std::pair<std::string, double>>& values);

  // Appends `lines` (whole lines, each ending in '\n') unchanged: an earlier run's log, which a
  // resumed run continues (training_loop.h).
  void append_lines(const std::string& lines);
  // Everything in the file so far.
  std::string contents() const;

 private:
  std::string path_;
  Clock clock_;
  std::ofstream out_;
};

}  // namespace amem::run
