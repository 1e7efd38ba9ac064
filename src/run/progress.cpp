#include "amem/run/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

namespace amem::run {

namespace {

constexpr double kRedrawInterval = 0.1;  // seconds between terminal redraws
constexpr int kBarWidth = 30;

std::string clock_time(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return buffer;
}

std::string rate_text(double steps_per_second) {
  char buffer[32];
  if (steps_per_second >= 1 || steps_per_second == 0)
    std::snprintf(buffer, sizeof buffer, "%.1f it/s", steps_per_second);
  else
    std::snprintf(buffer, sizeof buffer, "%.1f s/it", 1 / steps_per_second);
  return buffer;
}

}  // namespace

ProgressOutput ProgressOutput::standard() {
  return {&std::cout, ::isatty(STDOUT_FILENO) == 1, [] {
            using namespace std::chrono;
            return duration<double>(steady_clock::now().time_since_epoch()).count();
          }};
}

Progress::Progress(std::string label, int64_t total, ProgressOutput output)
    : label_(std::move(label)), total_(total), out_(std::move(output)) {
  start_ = last_draw_ = out_.clock();
  if (out_.terminal) draw(start_, false);
}

Progress::~Progress() { finish(); }

void Progress::advance(int64_t steps) {
  done_ += steps;
  const double now = out_.clock();
  if (out_.terminal) {
    if (now - last_draw_ >= kRedrawInterval) draw(now, false);
    return;
  }
  const int tenth = static_cast<int>(std::min<int64_t>(done_ * 10 / divisor(), 10));
  if (tenth > last_tenth_ || now - last_draw_ >= out_.line_interval_s) {
    last_tenth_ = tenth;
    draw(now, false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(out_.clock(), true);
}

std::string Progress::status(double now, bool final) const {
  const double elapsed = now - start_;
  const double rate = elapsed > 0 ? done_ / elapsed : 0;
  const int percent = static_cast<int>(done_ * 100 / divisor());
  std::string text = std::to_string(done_) + "/" + std::to_string(total_);
  text += out_.terminal ? " " +
                              std::string(percent < 10    ? "  "
                                          : percent < 100 ? " "
                                                          : "") +
                              std::to_string(percent) + "%"
                        : " (" + std::to_string(percent) + "%)";
  text += " " + rate_text(rate);
  if (final)
    text += " elapsed " + clock_time(elapsed);
  else if (rate > 0)
    text += " ETA " + clock_time(std::max<int64_t>(total_ - done_, 0) / rate);
  else
    text += " ETA ?";
  return text;
}

void Progress::draw(double now, bool final) {
  last_draw_ = now;
  std::ostream& os = *out_.stream;
  if (!out_.terminal) {
    os << label_ << " " << status(now, final) << "\n" << std::flush;
    return;
  }
  const int filled = static_cast<int>(std::min<int64_t>(done_ * kBarWidth / divisor(), kBarWidth));
  // "\r" returns to the start of the line; "\x1b[K" erases what a longer old line left.
  os << "\r" << label_ << " [" << std::string(filled, '#') << std::string(kBarWidth - filled, '.')
     << "] " << status(now, final) << "\x1b[K" << (final ? "\n" : "") << std::flush;
}

}  // namespace amem::run
