#!/usr/bin/env bash
# Both stages of the pipeline in one device call, at a scale small enough for it: `smoke` (the
# rehearsal: full sizes, a few steps, 40 dev paragraphs) or `quick` (the first real run's scale,
# about five minutes). Builds amem unless build-gpu/ already has it (a warm machine), runs
# `pipeline.sh lm meta --scale SCALE`, archives whatever finished by DEADLINE seconds into
# $OUT/results_SCALE.tgz (so a call that runs short still returns its finished runs), then
# prints each training's median step time and checks the written folders against transformers.
# Usage (device tool, carry [".repro-carry"] after scripts/repro/carry.sh smoke):
#   scripts/device/repro_one_call.sh smoke|quick [DEADLINE]     (default 420 s)
set -uo pipefail
cd "$(dirname "$0")/../.."
scale=${1:?usage: scripts/device/repro_one_call.sh smoke|quick [DEADLINE]}
deadline=${2:-420}
out=${OUT:-/tmp/repro-out}; mkdir -p "$out"
root=/tmp/repro-$scale
start=$(date +%s)
[[ -x build-gpu/bin/amem ]] || bash scripts/device/build_gpu.sh amem || exit 1
bin=build-gpu/bin/amem
scripts/repro/pipeline.sh lm meta --scale "$scale" --root "$root" --data .repro-carry/data --amem "$bin" \
  > "$out/$scale.log" 2>&1 &
pid=$!
while kill -0 $pid 2> /dev/null && (( $(date +%s) - start < deadline )); do sleep 2; done
kill -0 $pid 2> /dev/null && { echo "repro: deadline reached, archiving what finished"; pkill -P $pid; }
wait $pid; echo "repro: pipeline rc $? after $(( $(date +%s) - start )) s"
cat "$out/$scale.log"
tar -C "$root" --exclude='runs/*/*/checkpoint' --exclude='runs/*/*/best' --exclude='runs/*/*/last' \
    -czf "$out/results_$scale.tgz" logs runs

median() { grep -o "\"$1\":[0-9.e+-]*" "$2" | cut -d: -f2 | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for m in "$root"/runs/*/*/metrics.jsonl; do
  echo "$m: median step_seconds $(median step_seconds "$m"), tokens/s $(median tokens_per_s "$m")"
done
head -c 1000 "$root/data/dev-v1.1.json" | tr -c '[:alnum:][:space:].,' ' ' > "$root/data/check.txt"
for model in gpt2_base gpt2_qa; do
  [[ -d $root/models/$model ]] && python3 scripts/device/check_hf_export.py "$bin" "$root/models/$model" "$root/data/check.txt"
done
for run in "$root"/runs/pretrain_t5/*; do
  python3 scripts/device/check_t5_export.py "$run" 2>&1 | grep -v Warning | tail -3
done
