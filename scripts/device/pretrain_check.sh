#!/usr/bin/env bash
# `amem pretrain` on the GPU in one call (issue 15, item 1): build amem against the image's
# LibTorch (as check.sh), pre-train a small GPT-2 (configs/pretrain/gpt2_squad.yaml's shape) for a
# few hundred steps on the shared corpus with the real GPT-2 tokenizer, then
#   - check that transformers loads last/ and agrees with amem on a text's loss (both printed),
#   - time amem's training (tokens/s and MFU from its metrics.jsonl) beside a transformers
#     training loop of the same model on the same packed data (scripts/device/hf_pretrain_bench.py).
# The GPU machine does not see ../shared: carry a copy of what is needed into a git-ignored folder
# of the checkout and name it here.
# Usage: scripts/device/pretrain_check.sh DATA_DIR [STEPS] [OVERRIDE...]
#   DATA_DIR holds corpus/pretrain-en.txt.xz and tokenizers/gpt2/{vocab.json,merges.txt}
#   (a copy of ../shared/data's); STEPS defaults to 300; OVERRIDEs go to `amem pretrain`.
# Logs go to $OUT when it is set; the run folder's metrics.jsonl and last/config.json too.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(realpath "${1:?usage: scripts/device/pretrain_check.sh DATA_DIR [STEPS] [OVERRIDE...]}")
steps=${2:-300}
shift $(( $# < 2 ? $# : 2 ))
log_dir=${OUT:-/tmp}
build=build-gpu
for f in corpus/pretrain-en.txt.xz tokenizers/gpt2/vocab.json tokenizers/gpt2/merges.txt; do
  [ -f "$data/$f" ] || { echo "pretrain_check: $data/$f: no such file"; exit 1; }
done

prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
start=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DTORCH_CUDA_ARCH_LIST=9.0 -DAMEM_BUILD_TESTS=OFF -DAMEM_BUILD_BENCH=OFF > "$log_dir/configure.log" 2>&1 ||
  { tail -40 "$log_dir/configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target amem > "$log_dir/build.log" 2>&1 ||
  { grep -E "error|Error" -A3 "$log_dir/build.log" | head -60; exit 1; }
echo "pretrain_check: configure + build took $(( $(date +%s) - start )) s"

runs=$(mktemp -d)
start=$(date +%s)
"$build/bin/amem" pretrain configs/pretrain/gpt2_squad.yaml \
  "pretrain.text_paths=[$data/corpus/pretrain-en.txt.xz]" "pretrain.tokenizer=$data/tokenizers/gpt2" \
  pretrain.threads=$(nproc) train.steps="$steps" train.eval_every="$steps" train.save_every="$steps" \
  train.log_every=10 run.output_dir="$runs" "$@" > "$log_dir/pretrain.log" 2>&1 ||
  { tail -20 "$log_dir/pretrain.log"; exit 1; }
echo "pretrain_check: amem pretrain ($steps steps, tokenization included) took $(( $(date +%s) - start )) s"
grep -E "corpus:|packed:|validation at|trained" "$log_dir/pretrain.log" | sed 's/^.*\] //'
run=$(ls -d "$runs"/*)
cp "$run/metrics.jsonl" "$log_dir/metrics.jsonl"
cp "$run/last/config.json" "$log_dir/last_config.json"

# transformers loads last/ and agrees on a text's loss (fp32 on the CPU on both sides).
printf 'The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France.\n' \
  > "$runs/text.txt"
python3 scripts/device/check_hf_export.py "$build/bin/amem" "$run/last" "$runs/text.txt"

# Throughput beside transformers, same model, same packed data layout, same optimisation.
python3 scripts/device/hf_pretrain_bench.py "$run/last" "$run/metrics.jsonl" "$data/corpus/pretrain-en.txt.xz" \
  --steps 100 2>&1 | grep -v Warning | tail -5
