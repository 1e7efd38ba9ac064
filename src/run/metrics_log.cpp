#include "amem/run/metrics_log.h"

#include <chrono>
#include <cstring>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "amem/core/error.h"

namespace amem::run {

double MetricsLog::system_time() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

MetricsLog::MetricsLog(const std::string& path, Clock clock)
    : path_(path), clock_(std::move(clock)), out_(path, std::ios::app) {
  if (!out_) throw Error(path + ": cannot open for appending: " + std::strerror(errno));
}

void MetricsLog::log(int64_t step, const std::vector<std::pair<std::string, double>>& values) {
  nlohmann::ordered_json line;
  line["step"] = step;
  line["time"] = clock_();
  for (const auto& [name, value] : values) {
    if (line.contains(name))
      throw std::invalid_argument("metrics: '" + name + "' is reserved or given twice");
    line[name] = value;
  }
  out_ << line.dump() << '\n' << std::flush;
  if (!out_) throw Error(path_ + ": write failed: " + std::strerror(errno));
}

void MetricsLog::append_lines(const std::string& lines) {
  out_ << lines << std::flush;
  if (!out_) throw Error(path_ + ": write failed: " + std::strerror(errno));
}

std::string MetricsLog::contents() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) throw Error(path_ + ": cannot read: " + std::strerror(errno));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace amem::run
