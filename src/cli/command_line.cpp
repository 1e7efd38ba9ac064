#include "cli/command_line.h"

#include "amem/core/error.h"

namespace amem::cli {

bool parse_command_line(CLI::App& app, const Args& args, const std::string& command, const std::function<void()>& print_help) {
  // As argv (its own name first), so that CLI11 reports leftover arguments in their order.
  std::vector<const char*> argv{command.c_str()};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(int(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {  // -h / --help
      print_help();
      return false;
    }
    std::string message = e.what();
    message = message.substr(0, message.find('\n'));
    throw ConfigError(command + ": " + message + " (see amem " + command.substr(0, command.find(' ')) + " --help)");
  }
  return true;
}

std::optional<ConfigArguments> parse_config_arguments(const Args& args, const std::string& command,
                                                      const std::function<void()>& print_help) {
  ConfigArguments out;
  CLI::App app("", command);
  app.add_option("config", out.config, "config file")->required();
  app.add_option("overrides", out.overrides, "key=value, +key=value, ++key=value or ~key");
  if (!parse_command_line(app, args, command, print_help)) return std::nullopt;
  return out;
}

}  // namespace amem::cli
