#!/usr/bin/env bash
# On the GPU machine (python3 with transformers, tokenizers, sentencepiece, safetensors): train the
# tiny tokenizers, make the tiny model checkpoints and record every golden output the parity tests
# read, then pack them into $OUT/fixtures.tar.gz (unpack at the repository root to update
# tests/data/). Tokenizer fixtures come first: the models are built on their vocabularies.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1
python3 -c 'import transformers, tokenizers, torch, sentencepiece; print("transformers", transformers.__version__, "tokenizers", tokenizers.__version__, "torch", torch.__version__, "sentencepiece", sentencepiece.__version__)'
python3 scripts/device/make_tokenizer_fixtures.py tests/data/tokenizers
rm -rf tests/data/models && mkdir -p tests/data/models
python3 scripts/device/make_model_fixtures.py --tokenizers tests/data/tokenizers --out tests/data/models
tar czf "${OUT:-/tmp}/fixtures.tar.gz" tests/data/tokenizers tests/data/models
du -sh tests/data/models tests/data/tokenizers
