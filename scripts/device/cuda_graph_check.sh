#!/usr/bin/env bash
# train.cuda_graph (issue 16, item 2) in one device call: builds bench_mac_train and the tests
# against the image's LibTorch (CUDA), runs the CUDA graph tests (a replayed step against an
# eager one, tiny MAC training with and without it), then times the gpt2-xl MAC step (T5-large
# amortizer, T5-base question encoder, 8 x 512 tokens) eagerly and as a replayed graph (median
# of 5 steps, then one more under the Kineto profiler: --profile 1), with the three no-grad metric forwards (as
# train.metrics_every=1, the issue's step) and without them. The graph's step has no host-side
# operators for the profiler to count FLOPs from, so its MFU divides the eager step's GEMM
# FLOPs (the same work; outermost calls only, kernel_profile.h) by its time. Each pair runs with
# LibTorch's AdamW and with train.fused_optimizer's (at::_fused_adamw_). The eager profile says
# where the GPU time goes: per part of the step (amem.mac.* scopes, their backward, the optimiser)
# and per operator.
# Usage: scripts/device/cuda_graph_check.sh [LIFT...]   (default: 1.0 0.25); METRICS="1 0"; FUSED="0 1";
#        CONFIG=configs/cmt/gpt2_xl.yaml times CMT's step (default configs/mac/gpt2_xl.yaml);
#        VARIANTS="model.vocab_pad_multiple=1 model.vocab_pad_multiple=64" times each set of extra
#        overrides (one word each, keys joined by ';'; default: none)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/build_gpu.sh bench_mac_train amem_tests
mkdir -p "${TMPDIR:-/tmp}"
# A failing test fails the script, after its lines and the timings below.
tests_status=0
build-gpu/bin/amem_tests --gtest_filter='CapturableAdamW.*:GraphedTrainingStep.*:KernelProfile.*:LayerNorm.*:CausalLm.*:Bf16WorkingWeights.*:RMSNorm.*' > "${OUT:-/tmp}/graph_tests.log" 2>&1 ||
  tests_status=$?
grep -E "^\[ *(OK|FAILED|SKIPPED|PASSED) *\]|Failure|Expected|Which is|evaluates to" "${OUT:-/tmp}/graph_tests.log" || true
bench=build-gpu/bin/bench_mac_train
source scripts/device/mac_bench_placeholders.sh
out=$(mktemp)
lifts=("$@")
[ ${#lifts[@]} -eq 0 ] && lifts=(1.0 0.25)
read -r -a variants <<< "${VARIANTS:-}"
[ ${#variants[@]} -eq 0 ] && variants=("")
for lift in "${lifts[@]}"; do
  for metrics in ${METRICS:-1 0}; do
    for fused in ${FUSED:-0 1}; do
      for variant in "${variants[@]}"; do
        for graph in 0 1; do
          echo "== ${CONFIG:-configs/mac/gpt2_xl.yaml}, lift $lift, metric forwards $metrics, fused AdamW $fused, cuda graph $graph${variant:+, $variant}"
          "$bench" --config "${CONFIG:-configs/mac/gpt2_xl.yaml}" --lift "$lift" --overrides "$placeholders${variant:+;$variant}" \
            --metrics "$metrics" --profile 1 --cuda-graph "$graph" --fused "$fused" |
            tee -a "$out" | grep -v '"kernel"' | cut -c1-400
        done
      done
    done
  done
done
# Every line of every run, the top kernels included, for the record.
[ -n "${OUT:-}" ] && cp "$out" "$OUT/cuda_graph_check.jsonl"
python3 - "$out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
runs = []  # each run's JSON line and its profile summary
for l in lines:
    if "impl" in l: runs.append({"run": l})
    elif "counted_matmul_tflop" in l: runs[-1]["profile"] = l
peak = 989e12
for eager, graph in zip(runs[0::2], runs[1::2]):
    e, g = eager["run"], graph["run"]
    # GEMM calls inside another call of the same operator (autocast's) count once (kernel_profile.h).
    flop = eager["profile"].get("outermost_gemm_tflop", eager["profile"]["counted_matmul_tflop"]) * 1e12
    extra = ";".join(o for o in e["overrides"].split(";") if not o.startswith(("mac.amortizer=", "mac.question_encoder=", "model.path=")))
    print(f"summary | lift {e['lift_ratio']:.2f} | {extra or 'no extra overrides'} | metrics {'on ' if e['metrics'] else 'off'} | fused AdamW {'on ' if e['fused_optimizer'] else 'off'} | eager {e['step_s']:.3f} s | cuda graph {g['step_s']:.3f} s"
          f" | speed-up {e['step_s'] / g['step_s']:.2f}x | MFU {100 * flop / e['step_s'] / peak:.1f}% -> "
          f"{100 * flop / g['step_s'] / peak:.1f}% ({flop / 1e12:.1f} TFLOP of GEMMs, {peak / 1e12:.0f} TFLOP/s peak)"
          f" | loss after {len(e['losses'])} steps {e['loss']:.6f} vs {g['loss']:.6f} ({g['loss'] - e['loss']:+.2e})"
          f" | peak {e['peak_cuda_gib']:.2f} vs {g['peak_cuda_gib']:.2f} GiB | recordings {g['cuda_graph_recordings']}")
PY
rm -f "$out"
exit "$tests_status"
