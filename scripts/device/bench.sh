#!/usr/bin/env bash
# The causal-LM speed comparison in one device call: builds bench_causal_lm against the image's
# LibTorch (CUDA), runs it and bench/hf_causal_lm.py with the same arguments on the same GPU,
# and prints both JSON lines and the amem / transformers ratios (> 1: amem is faster).
# Usage: scripts/device/bench.sh [--preset gpt2-xl] [--dtype bf16] [--batch 8] ...
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/build_gpu.sh bench_causal_lm
build=build-gpu
amem=$("$build/bin/bench_causal_lm" "$@")
hf=$(python3 bench/hf_causal_lm.py "$@")
echo "$amem"
echo "$hf"
python3 - "$amem" "$hf" <<'PY'
import json, sys
amem, hf = (json.loads(s) for s in sys.argv[1:3])
for key in ("forward_tokens_per_s", "generate_tokens_per_s"):
    print(f"{key}: amem {amem[key]:.0f}, transformers {hf[key]:.0f}, "
          f"ratio amem/transformers {amem[key] / hf[key]:.2f}")
PY
