#!/usr/bin/env bash
# Both stages of the pipeline in one device call at --scale quick (scripts/repro/quick.env), on a
# machine where build-gpu/ is already built (a warm one) or after building it. Whatever has
# finished by DEADLINE seconds (default 290) is archived into $OUT/results_quick.tgz, so a call
# that runs short of time still returns its finished runs.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/repro-out}; mkdir -p "$out"
deadline=${1:-290}
root=/tmp/repro-quick
start=$(date +%s)
[[ -x build-gpu/bin/amem ]] || bash scripts/device/build_gpu.sh amem
scripts/repro/pipeline.sh lm meta --scale quick --root "$root" --data .repro-carry/data --amem build-gpu/bin/amem \
  > "$out/quick.log" 2>&1 &
pid=$!
while kill -0 $pid 2> /dev/null && (( $(date +%s) - start < deadline )); do sleep 2; done
kill -0 $pid 2> /dev/null && { echo "repro_quick: deadline reached, archiving what finished"; pkill -P $pid; }
wait $pid; echo "repro_quick: pipeline rc $? after $(( $(date +%s) - start )) s"
cat "$out/quick.log"
tar -C "$root" --exclude='runs/*/*/checkpoint' --exclude='runs/*/*/best' --exclude='runs/*/*/last' \
    -czf "$out/results_quick.tgz" logs runs
