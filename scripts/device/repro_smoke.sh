#!/usr/bin/env bash
# The pipeline's rehearsal on the GPU machine in one call: build amem, run both stages at
# --scale smoke (full sizes and data, a few steps, 40 dev paragraphs), check the written
# checkpoints against transformers, print each job's time and the median step time of each
# training. Usage (device tool, carry [".repro-carry"] after scripts/repro/carry.sh smoke):
#   scripts/device/repro_smoke.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/repro-out}; mkdir -p "$out"
root=/tmp/repro
start=$(date +%s)
bash scripts/device/build_gpu.sh amem
echo "repro: build took $(( $(date +%s) - start )) s"
bin=build-gpu/bin/amem
scripts/repro/pipeline.sh lm meta --scale smoke --root "$root" --data .repro-carry/data --amem "$bin" 2>&1 | tee "$out/smoke.log"
head -c 2000 "$root/data/dev-v1.1.json" | tr -c '[:alnum:][:space:].,' ' ' > "$root/data/check.txt"
python3 scripts/device/check_hf_export.py "$bin" "$root/models/gpt2_base" "$root/data/check.txt"
python3 scripts/device/check_hf_export.py "$bin" "$root/models/gpt2_qa" "$root/data/check.txt"
python3 scripts/device/check_t5_export.py "$(ls -d "$root"/runs/pretrain_t5/*)" 2>&1 | grep -v Warning | tail -3
# Pre-training throughput beside transformers: the same GPT-2, packed data and optimisation.
gpt2_run=$(ls -d "$root"/runs/pretrain_gpt2/*)
python3 scripts/device/hf_pretrain_bench.py "$gpt2_run/last" "$gpt2_run/metrics.jsonl" \
  .repro-carry/data/corpus/pretrain-en.txt.xz --steps 60 2>&1 | grep -v Warning | tail -5
for m in "$root"/runs/*/*/metrics.jsonl; do
  echo "$m: median step_seconds $(grep -o '"step_seconds":[0-9.e+-]*' "$m" | cut -d: -f2 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')," \
       "tokens/s $(grep -o '"tokens_per_s":[0-9.e+-]*' "$m" | cut -d: -f2 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
done
du -sh "$root"/models/*
tar -C "$root" --exclude='runs/*/*/checkpoint' --exclude='runs/*/*/best' --exclude='runs/*/*/last' \
    -czf "$out/results_smoke.tgz" logs runs
