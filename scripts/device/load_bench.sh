#!/usr/bin/env bash
# Issue 16 item 1 in one device call: loading a LLaMA-2-7B-shaped bf16 checkpoint, amem against
# transformers, each run a fresh process:
#   1. builds amem and bench_load against the image's LibTorch (build_gpu.sh),
#   2. writes a random checkpoint with transformers (save_pretrained, 5 GB shards; load_bench.py make),
#   3. three times each: bench_load (load seconds, time to first token, 8 more tokens, peak RSS and
#      GPU memory), `amem lm generate --max-new-tokens 8` (wall seconds, peak RSS), and
#      transformers from_pretrained(dtype=bf16, device_map="cuda") + generate (load_bench.py hf),
#   4. prints the medians and the amem / transformers ratios.
# The checkpoint is written first and read by every run, so all of them find it in the page cache.
# Usage: scripts/device/load_bench.sh TOKENIZER_MODEL [WORK_DIR]
#   TOKENIZER_MODEL: the LLaMA-2 tokenizer.model (32,000 pieces; ../shared/data/tokenizers/llama2/,
#   carried into a git-ignored folder of the checkout: the device does not see ../shared).
#   WORK_DIR (default /tmp/load_bench) gets the 13.5 GB checkpoint. Logs go to $OUT (else /tmp).
set -euo pipefail
cd "$(dirname "$0")/../.."
tokenizer=$(realpath "${1:?usage: scripts/device/load_bench.sh TOKENIZER_MODEL [WORK_DIR]}")
work=${2:-/tmp/load_bench}
log_dir=${OUT:-/tmp}
runs=3
start=$(date +%s)
bash scripts/device/build_gpu.sh amem bench_load
rm -rf "$work" && mkdir -p "$work"
python3 scripts/device/load_bench.py make "$work/llama7b" "$tokenizer" 2> "$log_dir/load_bench_make.log" ||
  { tail -20 "$log_dir/load_bench_make.log"; exit 1; }
results="$log_dir/load_bench.jsonl"
: > "$results"
for i in $(seq "$runs"); do
  build-gpu/bin/bench_load --model "$work/llama7b" --new-tokens 8 >> "$results"
  python3 scripts/device/load_bench.py measure "amem lm generate" build-gpu/bin/amem lm generate \
    --model "$work/llama7b" --prompt "The capital of France is" --max-new-tokens 8 --device cuda --dtype bf16 >> "$results"
  python3 scripts/device/load_bench.py hf "$work/llama7b" 8 2>> "$log_dir/load_bench_hf.log" >> "$results"
done
cat "$results"
python3 scripts/device/load_bench.py summary "$results"
rm -rf "$work"
echo "load_bench: $(( $(date +%s) - start )) s in all"
