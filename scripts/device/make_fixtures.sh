#!/usr/bin/env bash
# On the GPU machine (python3 with transformers, sentencepiece, safetensors): regenerate the
# golden files of the parity tests from the committed tokenizer fixtures, and pack them into
# $OUT/fixtures.tar.gz (unpack at the repository root to update tests/data/).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1
python3 -c 'import transformers, torch, sentencepiece; print("transformers", transformers.__version__, "torch", torch.__version__, "sentencepiece", sentencepiece.__version__)'
python3 scripts/device/tokenizer_goldens.py tests/data/tokenizers
rm -rf tests/data/models && mkdir -p tests/data/models
python3 scripts/device/make_model_fixtures.py --tokenizers tests/data/tokenizers --out tests/data/models
tar czf "${OUT:-/tmp}/fixtures.tar.gz" tests/data/tokenizers/golden.json tests/data/models
du -sh tests/data/models tests/data/tokenizers/golden.json
