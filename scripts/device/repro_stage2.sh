#!/usr/bin/env bash
# Device call 2 of the reproduction pipeline: unpack what call 1 sent back (carried in
# .repro-carry/stage1/), pre-train the T5, meta-train MAC and CaMeLS, evaluate them, check the T5
# against transformers, and send back the runs (without checkpoints).
# Usage (device tool, carry [".repro-carry"] after scripts/repro/carry.sh meta DIR):
#   scripts/device/repro_stage2.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/repro-out}; mkdir -p "$out"
root=/tmp/repro
mkdir -p "$root"
cat .repro-carry/stage1/stage1.tgz.part-* | tar -C "$root" -xzf -
bin=$root/bin/amem
"$bin" --help > /dev/null
scripts/repro/pipeline.sh meta --root "$root" --data .repro-carry/data --amem "$bin" 2>&1 | tee "$out/stage2.log"
python3 scripts/device/check_t5_export.py "$(ls -d "$root"/runs/pretrain_t5/*)" 2>&1 | grep -v Warning | tail -3 | tee -a "$out/stage2.log"
tar -C "$root" --exclude='runs/*/*/checkpoint' --exclude='runs/*/*/best' --exclude='runs/*/*/last' \
    -czf "$out/results_meta.tgz" logs runs
ls -la "$out"
