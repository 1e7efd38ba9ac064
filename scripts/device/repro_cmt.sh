#!/usr/bin/env bash
# Device call 3 of the reproduction pipeline: stage cmt (configs/repro/cmt.yaml, eval_cmt.yaml) on
# the machine that just ran scripts/device/repro_stage2.sh and is still warm: it reads that call's
# /tmp/repro (the amem build, models/gpt2_qa, models/t5: the T5 is too large to carry), meta-trains
# CMT, evaluates rows cmt and cmt_memory_aware (three seeds each), and sends back their runs
# (without checkpoints). Budget: under 8 minutes (train-mac took 186 s, eval-mac 45 s).
# Usage (device tool, carry [".repro-carry"] as for call 2, for the SQuAD files):
#   scripts/device/repro_cmt.sh            or   AMEM=build-gpu/bin/amem scripts/device/repro_cmt.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/repro-out}; mkdir -p "$out"
root=/tmp/repro
bin=${AMEM:-$root/bin/amem}   # call 1's build; AMEM=PATH for another (it must have cmt.memory_aware.at_inference)
for needed in "$bin" "$root/models/gpt2_qa" "$root/models/t5"; do
  [[ -e $needed ]] || { echo "repro_cmt: no $needed: run scripts/device/repro_stage2.sh first on this (warm) machine" >&2; exit 2; }
done
# A rerun on the same machine starts the stage afresh.
rm -rf "$root/runs/cmt" "$root"/runs/eval/cmt-* "$root"/runs/eval/cmt_memory_aware-*
scripts/repro/pipeline.sh cmt --root "$root" --data .repro-carry/data --amem "$bin" 2>&1 | tee "$out/cmt.log"
tar -C "$root" --exclude='runs/*/*/checkpoint' --exclude='runs/*/*/best' --exclude='runs/*/*/last' \
    -czf "$out/results_cmt.tgz" logs/train-cmt.log logs/eval-cmt*.log runs/cmt runs/eval/cmt-* runs/eval/cmt_memory_aware-*
ls -la "$out"
