#include "cli/flags.h"

#include "amem/core/error.h"

namespace amem::cli {

Flags::Flags(const Args& args, std::string command) : command_(std::move(command)) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2)
      throw ConfigError(command_ + ": unexpected argument '" + a + "' (flags are --name value)");
    if (i + 1 >= args.size()) throw ConfigError(command_ + ": flag " + a + " needs a value");
    if (!values_.emplace(a.substr(2), args[i + 1]).second)
      throw ConfigError(command_ + ": flag " + a + " given twice");
    ++i;
  }
}

std::optional<std::string> Flags::take(const std::string& name) {
  read_.insert(name);
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Flags::text(const std::string& name) {
  auto v = take(name);
  if (!v) throw ConfigError(command_ + ": missing required flag --" + name);
  return *v;
}

std::string Flags::text(const std::string& name, const std::string& fallback) {
  return take(name).value_or(fallback);
}

int64_t Flags::integer(const std::string& name, int64_t fallback) {
  auto v = take(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    const int64_t n = std::stoll(*v, &used);
    if (used == v->size()) return n;
  } catch (const std::exception&) {
  }
  throw ConfigError(command_ + ": flag --" + name + ": expected an integer, got '" + *v + "'");
}

void Flags::reject_unknown() const {
  for (const auto& [name, value] : values_)
    if (!read_.count(name)) throw ConfigError(command_ + ": unknown flag --" + name);
}

}  // namespace amem::cli
