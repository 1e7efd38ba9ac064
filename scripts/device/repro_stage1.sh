#!/usr/bin/env bash
# Device call 1 of the reproduction pipeline (scripts/repro/pipeline.sh): build amem, run the lm
# stage from the carried data, check the written checkpoints against transformers, and send back
# the runs (results.tgz, without checkpoints) and what call 2 needs (the program, the bf16
# QA-tuned base LM, the locality text) as parts of one archive of at most 15 MiB each.
# Usage (device tool, carry [".repro-carry"] after scripts/repro/carry.sh lm):
#   scripts/device/repro_stage1.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/repro-out}; mkdir -p "$out"
root=/tmp/repro
bash scripts/device/build_gpu.sh amem
bin=build-gpu/bin/amem
scripts/repro/pipeline.sh lm --root "$root" --data .repro-carry/data --amem "$bin" 2>&1 | tee "$out/stage1.log"

# The written folders are Hugging Face checkpoints: transformers loads them and agrees on a loss
# (on the dev file's first 1,000 characters: fewer tokens than the 512 positions).
head -c 1000 "$root/data/dev-v1.1.json" | tr -c '[:alnum:][:space:].,' ' ' > "$root/data/check.txt"
python3 scripts/device/check_hf_export.py "$bin" "$root/models/gpt2_base" "$root/data/check.txt" | tee -a "$out/stage1.log"
python3 scripts/device/check_hf_export.py "$bin" "$root/models/gpt2_qa" "$root/data/check.txt" | tee -a "$out/stage1.log"

mkdir -p "$root/bin" && cp "$bin" build-gpu/bin/libamem_spm.so "$root/bin/"
tar -C "$root" -czf - bin models/gpt2_qa data/locality.txt | split -b 15M -d - "$out/stage1.tgz.part-"
tar -C "$root" --exclude='runs/*/*/checkpoint' --exclude='runs/*/*/best' --exclude='runs/*/*/last' \
    -czf "$out/results_lm.tgz" logs runs
ls -la "$out"
