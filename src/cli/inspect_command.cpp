// `amem inspect PATH`: what a safetensors file or checkpoint folder holds, without loading it.
#include <cstdio>
#include <iostream>
#include <map>

#include "amem/core/error.h"
#include "amem/io/safetensors.h"
#include "cli/command_line.h"
#include "cli/commands.h"

namespace amem::cli {

int run_inspect(const Args& args) {
  const auto print_help = [] {
    std::cout << "usage: amem inspect PATH\n\n"
                 "Lists the tensors (name, dtype, shape, bytes) of a .safetensors file, a\n"
                 "model.safetensors.index.json, or a checkpoint folder, and their totals.\n";
  };
  if (args.empty()) {
    print_help();
    return 2;
  }
  std::string path;
  CLI::App app("", "inspect");
  app.add_option("path", path, "a .safetensors file, index or checkpoint folder")->required();
  if (!parse_command_line(app, args, "inspect", print_help)) return 0;
  const auto ckpt = io::SafetensorsCheckpoint::open(path);
  uint64_t total_bytes = 0, total_elements = 0;
  std::map<std::string, uint64_t> bytes_by_dtype;
  for (const auto& name : ckpt.names()) {
    const auto& e = ckpt.entry(name);
    std::string shape;
    uint64_t elements = 1;
    for (int64_t d : e.shape) {
      shape += (shape.empty() ? "" : ", ") + std::to_string(d);
      elements *= uint64_t(d);
    }
    std::printf("%-60s %-9s [%s] %llu\n", name.c_str(), c10::toString(e.dtype), shape.c_str(),
                static_cast<unsigned long long>(e.end - e.begin));
    total_bytes += e.end - e.begin;
    total_elements += elements;
    bytes_by_dtype[c10::toString(e.dtype)] += e.end - e.begin;
  }
  std::printf("%zu tensors in %zu file(s), %llu elements, %.2f MB", ckpt.names().size(),
              ckpt.files().size(), static_cast<unsigned long long>(total_elements), total_bytes / 1e6);
  for (const auto& [dtype, bytes] : bytes_by_dtype) std::printf("; %s %.2f MB", dtype.c_str(), bytes / 1e6);
  std::printf("\n");
  return 0;
}

}  // namespace amem::cli
