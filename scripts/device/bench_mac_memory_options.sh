#!/usr/bin/env bash
# The MAC step's memory options (issue 16 item 3) in one device call: builds bench_mac_train
# against the image's LibTorch (CUDA) and, on the gpt2-xl MAC config (T5-large amortizer, T5-base
# question encoder, 8 documents x 512 tokens) at lift 1.0 and 0.25, runs four configurations, one
# process each (so each peak is its own):
#   baseline        the defaults
#   checkpointing   mac.activation_checkpointing=amortizer_encoder
#   bf16_states     train.optimizer_state_dtype=bf16
#   both            the two together
# and ends with one summary line per run: median step seconds, peak CUDA GiB (and its ratio to
# the reference replica's peak, issue 16's target being <= 0.8), and the loss after the same
# steps beside the baseline's (checkpointing should leave it unchanged up to CUDA's
# nondeterminism; bf16 moments change it slightly). configs/README.md's "Memory options" table
# is filled from these lines. Extra arguments go to every run (e.g. --steps 5 --warmup 2).
# LIFTS and RUNS choose a part (e.g. LIFTS=1.0 RUNS="baseline both"), to split the work over two
# calls when one does not fit; the summary compares with the baseline only when it ran.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/build_gpu.sh bench_mac_train
bench=build-gpu/bin/bench_mac_train
source scripts/device/mac_bench_placeholders.sh
declare -A option=(
  [baseline]=""
  [checkpointing]=";mac.activation_checkpointing=amortizer_encoder"
  [bf16_states]=";train.optimizer_state_dtype=bf16"
  [both]=";mac.activation_checkpointing=amortizer_encoder;train.optimizer_state_dtype=bf16"
)
out=$(mktemp)
for lift in ${LIFTS:-1.0 0.25}; do
  for name in ${RUNS:-baseline checkpointing bf16_states both}; do
    [[ -v "option[$name]" ]] || { echo "RUNS: unknown run '$name' (baseline, checkpointing, bf16_states, both)"; exit 2; }
    echo "== MAC gpt2-xl, lift $lift, $name"
    "$bench" --lift "$lift" --overrides "$placeholders${option[$name]}" "$@" |
      python3 -c 'import json, sys
for line in sys.stdin:  # the result line gets the run name; other output passes as it is
    if "\"impl\"" in line: line = json.dumps(dict(json.loads(line), run=sys.argv[1])) + "\n"
    sys.stdout.write(line)' "$name" |
      tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import json, sys
# The transformers replica of the reference MAC step (bench/reference_mac, one H200, issue 16).
reference_peak_gib = {1.0: 40.9, 0.25: 35.3}
runs = [json.loads(l) for l in open(sys.argv[1]) if '"impl"' in l]
baseline = {r["lift_ratio"]: r for r in runs if r["run"] == "baseline"}
for r in runs:
    base = baseline.get(r["lift_ratio"])
    reference = reference_peak_gib.get(round(r["lift_ratio"], 2))
    ratio = f" ({r['peak_cuda_gib'] / reference:.2f}x the reference's {reference} GiB)" if reference else ""
    line = (f"summary | lift {r['lift_ratio']:.2f} | {r['run']:<13} | step {r['step_s']:.3f} s"
            + (f" ({r['step_s'] / base['step_s']:.2f}x baseline)" if base else "")
            + f" | peak {r['peak_cuda_gib']:.2f} GiB{ratio} | loss after {len(r['losses'])} steps {r['loss']:.6f}")
    if base:
        line += f" vs baseline {base['loss']:.6f} ({r['loss'] - base['loss']:+.2e})"
    print(line)
PY
rm -f "$out"
