// `amem mac import --reference CKPT --out DIR CONFIG [OVERRIDE...]`: a MAC model trained with
// the reference code (github.com/jihoontack/MAC, its torch.save checkpoint) becomes amem's MAC
// model folder, which `amem eval` reads through mac.networks (methods/mac/reference_checkpoint.h
// has the key mapping).
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/io/atomic_folder.h"
#include "amem/methods/mac/mac_model.h"
#include "amem/methods/mac/reference_checkpoint.h"
#include "amem/models/model_settings.h"
#include "cli/command_line.h"
#include "cli/commands.h"

namespace amem::cli {

namespace {

void print_help() {
  std::cout << "usage: amem mac import --reference CKPT --out DIR CONFIG [OVERRIDE...]\n\n"
               "import: reads CKPT, a MAC checkpoint saved by the reference code (torch.save of\n"
               "{'state_dict': ...}: best_f1.pt, last_epoch.pt, ...), into the MAC networks that\n"
               "CONFIG's mac.* and model.* describe (the T5 folders and the base LM's config.json\n"
               "give the shapes; no weights of the base LM are read), and writes DIR/model.safetensors,\n"
               "the folder `amem eval CONFIG mac.networks=DIR` answers with. Every reference key must\n"
               "map to a parameter of the same shape, and every parameter must be filled; DIR is\n"
               "written whole or not at all. To get the reference's modulations, evaluate with its\n"
               "padding (mac.decoder_masks_padding: false, mac.pad_documents_to: 1022,\n"
               "mac.eval_question_layout: append_pads:128; configs/README.md).\n";
}

int import_reference(const Args& args) {
  std::string reference, out;
  ConfigArguments arguments;
  CLI::App app("", "mac import");
  app.add_option("--reference", reference, "the reference's checkpoint (.pt)")->required();
  app.add_option("--out", out, "the MAC model folder to write")->required();
  app.add_option("config", arguments.config, "config file")->required();
  app.add_option("overrides", arguments.overrides, "key=value, +key=value, ++key=value or ~key");
  if (!parse_command_line(app, args, "mac import", print_help)) return 0;
  // The folder is written whole in place of what is there: never in place of someone's file or
  // files (an empty folder, or one an earlier import wrote, is replaced).
  // A missing or folder --reference is a usage mistake (exit 2); a file that is not a reference
  // checkpoint is a bad input file (exit 1, from the reader).
  if (!std::filesystem::exists(reference))
    throw ConfigError("mac import: --reference " + reference + ": no such file (give the reference's .pt checkpoint)");
  if (!std::filesystem::is_regular_file(reference))
    throw ConfigError("mac import: --reference " + reference + ": not a file (give the reference's .pt checkpoint)");
  const std::filesystem::path out_path(out);
  if (out.empty()) throw ConfigError("mac import: --out: an empty path (give the model folder to write)");
  if (std::filesystem::exists(out_path)) {
    const bool folder = std::filesystem::is_directory(out_path);
    const bool earlier_import = folder && std::filesystem::exists(out_path / "model.safetensors") &&
                                std::distance(std::filesystem::directory_iterator(out_path),
                                              std::filesystem::directory_iterator()) == 1;
    if (!folder || !(std::filesystem::is_empty(out_path) || earlier_import))
      throw ConfigError("mac import: --out " + out + ": exists and is " +
                        (folder ? "a folder holding other files" : "not a folder") +
                        "; the import replaces its folder, so choose a new, empty or earlier import's folder");
  }
  const auto config = config::load_config(config::amem_schema(), arguments.config, arguments.overrides);
  auto settings = methods::MacSettings::from(config);
  if (settings.networks)
    throw ConfigError(config.source_of("mac.networks") + ": mac.networks: set, but `amem mac import` makes the "
                      "networks from --reference; leave it null");
  const auto state = methods::read_reference_checkpoint(reference);
  methods::MacModel mac(settings, models::ModelSettings::from(config), methods::MacModel::BaseLm::kShapeOnly);
  methods::import_reference_state_dict(*mac.networks(), state, reference);
  io::write_folder_atomic(out, [&](const std::filesystem::path& staging) { mac.save_networks(staging.string()); });
  std::printf("imported %zu reference tensors into %zu parameters: %s\n", state.size(),
              mac.networks()->parameters().size(), out.c_str());
  return 0;
}

}  // namespace

int run_mac(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "import") return import_reference(rest);
  throw ConfigError("mac: unknown action '" + args[0] + "' (expected import; see amem mac --help)");
}

}  // namespace amem::cli
