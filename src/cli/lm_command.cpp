// `amem lm`: use a causal LM checkpoint directly — continue a prompt, score a text, or store it
// in another dtype.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "amem/core/error.h"
#include "amem/generation/generate.h"
#include "amem/io/utf8_file.h"
#include "amem/models/load_causal_lm.h"
#include "amem/models/model_settings.h"
#include "amem/models/save_causal_lm.h"
#include "amem/text/tokenizer.h"
#include "amem/train/lm_loss.h"
#include "cli/command_line.h"
#include "cli/commands.h"

namespace amem::cli {

namespace {

void print_help() {
  std::cout << "usage: amem lm generate --model DIR --prompt TEXT [--max-new-tokens 32] [--num-beams 1]\n"
               "                        [--dtype fp32|bf16] [--device cpu|cuda]\n"
               "       amem lm score --model DIR --text FILE [--dtype fp32|bf16] [--device cpu|cuda]\n"
               "       amem lm convert --model DIR --dtype fp32|bf16 --out DIR\n\n"
               "generate: prints the prompt's continuation (greedy, or beam search with --num-beams).\n"
               "score: prints each token of FILE with the model's loss for it (nats), then the\n"
               "mean loss and perplexity.\n"
               "convert: writes the checkpoint with its weights in --dtype into the new folder --out\n"
               "(config.json records the dtype; tokenizer files are copied), as transformers'\n"
               "model.to(dtype).save_pretrained does: bf16 halves what a checkpoint weighs.\n"
               "DIR is a Hugging Face checkpoint folder (GPT-2, LLaMA, Qwen2, Mistral).\n";
}

// --dtype and --device, with the choices of model.dtype and model.device.
struct Placement {
  std::string dtype = "fp32", device = "cpu";

  void declare(CLI::App& app) {
    app.add_option("--dtype", dtype, "weight precision")->check(CLI::IsMember(models::ModelSettings::dtypes()));
    app.add_option("--device", device, "where the model runs")->check(CLI::IsMember(models::ModelSettings::devices()));
  }
  models::LoadOptions load_options(const std::string& command, const std::string& dir) const {
    if (device == "cuda" && !torch::cuda::is_available())
      throw ConfigError(command + ": --device cuda: no CUDA device here");
    return models::ModelSettings{dir, dtype, device}.load_options(/*trainable=*/false);
  }
};

// A token's text on one line: control characters shown as escapes.
std::string printable(const std::string& piece) {
  std::string out;
  for (char c : piece) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

torch::Tensor ids_tensor(const std::vector<int64_t>& ids, torch::Device device) {
  return torch::tensor(ids, torch::kLong).view({1, -1}).to(device);
}

int generate(const Args& args) {
  std::string dir, prompt_text;
  Placement placement;
  generation::GenerationOptions options;
  options.max_new_tokens = 32;
  options.num_beams = 1;
  CLI::App app("", "lm generate");
  app.add_option("--model", dir, "Hugging Face checkpoint folder")->required();
  app.add_option("--prompt", prompt_text, "text to continue")->required();
  app.add_option("--max-new-tokens", options.max_new_tokens, "tokens to generate");
  app.add_option("--num-beams", options.num_beams, "beam search with this many beams; 1: greedy");
  placement.declare(app);
  if (!parse_command_line(app, args, "lm generate", print_help)) return 0;
  if (options.max_new_tokens < 1 || options.num_beams < 1)
    throw ConfigError("lm generate: --max-new-tokens and --num-beams must be >= 1");
  const auto load = placement.load_options("lm generate", dir);

  const auto tokenizer = text::load_tokenizer(dir);
  auto model = models::load_causal_lm(dir, load);
  const auto ids = tokenizer->encode_for_model(prompt_text);
  if (ids.empty()) throw ConfigError("lm generate: --prompt encodes to no tokens");
  generation::use_special_tokens(options, tokenizer->special());
  generation::Prompt prompt{ids_tensor(ids, load.device), torch::ones({1, int64_t(ids.size())}, torch::kLong).to(load.device)};
  auto out = options.num_beams > 1 ? generation::beam_search(*model, prompt, options)
                                   : generation::greedy_search(*model, prompt, options);
  auto row = out[0].cpu();
  std::vector<int64_t> new_ids(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
  std::cout << prompt_text << tokenizer->decode_continuation(ids, new_ids) << "\n";
  return 0;
}

int score(const Args& args) {
  std::string dir, path;
  Placement placement;
  CLI::App app("", "lm score");
  app.add_option("--model", dir, "Hugging Face checkpoint folder")->required();
  app.add_option("--text", path, "file whose tokens are scored")->required();
  placement.declare(app);
  if (!parse_command_line(app, args, "lm score", print_help)) return 0;
  const auto load = placement.load_options("lm score", dir);
  const std::string text = io::read_utf8_file(path);

  const auto tokenizer = text::load_tokenizer(dir);
  auto model = models::load_causal_lm(dir, load);
  const auto ids = tokenizer->encode_for_model(text);
  if (ids.size() < 2) throw Error(path + ": needs at least two tokens to score");
  torch::NoGradGuard no_grad;
  auto input = ids_tensor(ids, load.device);
  auto losses = train::lm_token_losses(model->forward(input, {}, {}, nullptr), input)[0].cpu();
  for (size_t i = 1; i < ids.size(); ++i)
    std::printf("%zu\t%.4f\t%s\n", i, losses[int64_t(i - 1)].item<double>(),
                printable(tokenizer->decode({ids[i]}, /*skip_special=*/false)).c_str());
  const double mean = losses.mean().item<double>();
  std::printf("mean loss %.4f nats over %zu tokens, perplexity %.3f\n", mean, ids.size() - 1, std::exp(mean));
  return 0;
}

int convert(const Args& args) {
  std::string dir, out;
  Placement placement;
  CLI::App app("", "lm convert");
  app.add_option("--model", dir, "Hugging Face checkpoint folder")->required();
  app.add_option("--out", out, "the folder to write (must not exist)")->required();
  placement.declare(app);
  app.get_option("--dtype")->required();
  if (!parse_command_line(app, args, "lm convert", print_help)) return 0;
  if (!std::filesystem::is_directory(dir)) throw ConfigError("lm convert: --model '" + dir + "': not a folder");
  if (std::filesystem::exists(out)) throw ConfigError("lm convert: --out '" + out + "' exists (give a new folder)");
  const auto model = models::load_causal_lm(dir, placement.load_options("lm convert", dir));
  models::save_causal_lm(*model, dir, out);
  std::cout << "lm convert: " << dir << " -> " << out << " (" << placement.dtype << ")\n";
  return 0;
}

}  // namespace

int run_lm(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "generate") return generate(rest);
  if (args[0] == "score") return score(rest);
  if (args[0] == "convert") return convert(rest);
  throw ConfigError("lm: unknown action '" + args[0] + "' (expected generate, score or convert; see amem lm --help)");
}

}  // namespace amem::cli
