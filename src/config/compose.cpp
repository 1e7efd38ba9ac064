#include "amem/config/compose.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>

#include "amem/core/error.h"
#include "amem/io/utf8_file.h"

namespace amem::config {

namespace fs = std::filesystem;

namespace {

// A base named without its extension: "base/run" means "base/run.yaml".
fs::path find_base(const fs::path& including_file, const std::string& name) {
  const fs::path named = (including_file.parent_path() / name).lexically_normal();
  if (fs::is_regular_file(named) || named.extension() == ".yaml") return named;
  fs::path with_extension = named;
  with_extension += ".yaml";
  return fs::is_regular_file(with_extension) ? with_extension : named;
}

YAML::Node parse_file(const fs::path& path) {
  std::string text;
  try {
    // As data files are: UTF-8, LF or CRLF line ends (run names and paths come from here).
    text = io::read_utf8_file(path.string());
    io::check_line_ends(text, path.string());
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    throw ConfigError(e.what());  // a config file's mistake is a usage error (exit 2)
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(path.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

// yaml-cpp keeps the first of two equal keys without a word; a typo'd copy would be ignored.
void reject_duplicate_keys(const YAML::Node& node, const fs::path& path,
                           const std::string& prefix) {
  if (!node.IsMap()) return;
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const std::string key =
        prefix.empty() ? entry.first.Scalar() : prefix + "." + entry.first.Scalar();
    if (!seen.insert(entry.first.Scalar()).second)
      throw ConfigError(path.string() + ": " + key + ": duplicate key");
    reject_duplicate_keys(entry.second, path, key);
  }
}

std::vector<std::string> take_defaults(YAML::Node& document, const fs::path& path) {
  std::vector<std::string> names;
  const YAML::Node list = static_cast<const YAML::Node&>(document)["defaults"];
  if (!list) return names;
  if (!list.IsSequence())
    throw ConfigError(path.string() + ": defaults: expected a list of base files");
  for (const auto& item : list) {
    if (!item.IsScalar() || item.Scalar().empty())
      throw ConfigError(path.string() + ": defaults: expected a list of base files");
    names.push_back(item.Scalar());
  }
  document.remove("defaults");
  return names;
}

// `chain` holds the files being loaded, outermost first, to report cycles in full.
ConfigTree compose(const fs::path& path, std::vector<fs::path>& chain) {
  const fs::path canonical = fs::weakly_canonical(path);
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
    std::string cycle;
    for (auto it = std::find(chain.begin(), chain.end(), canonical); it != chain.end(); ++it)
      cycle += it->filename().string() + " -> ";
    throw ConfigError(path.string() + ": include cycle in defaults: " + cycle +
                      canonical.filename().string());
  }
  YAML::Node document = parse_file(path);
  if (!document.IsMap() && !document.IsNull())
    throw ConfigError(path.string() + ": expected a map of keys at the top level");
  reject_duplicate_keys(document, path, "");

  ConfigTree result(path.string());
  chain.push_back(canonical);
  for (const auto& name : take_defaults(document, path)) {
    const fs::path base = find_base(path, name);
    if (!fs::is_regular_file(base))
      throw ConfigError(path.string() + ": defaults: no such file '" + name + "' (looked for " +
                        base.string() + ")");
    result.merge(compose(base, chain));
  }
  chain.pop_back();
  result.merge(ConfigTree(document, path.string()));
  return result;
}

}  // namespace

ConfigTree compose_file(const std::string& path) {
  if (!fs::is_regular_file(path)) throw ConfigError(path + ": no such config file");
  std::vector<fs::path> chain;
  return compose(fs::path(path), chain);
}

}  // namespace amem::config
