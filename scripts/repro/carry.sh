#!/usr/bin/env bash
# Fills .repro-carry/ (git-ignored) with what one device call of the pipeline needs, since the GPU
# machine does not see ../shared and a call takes at most 64 MiB with the working tree:
#   carry.sh lm          SQuAD, the corpus and the GPT-2 tokenizer (call 1, about 42 MB)
#   carry.sh smoke       the same and the T5 tokenizer (the rehearsal runs both stages in one call)
#   carry.sh meta DIR    SQuAD, the T5 tokenizer, the corpus's first 1,500 documents (the T5's
#                        pre-training text, about 6 MB) and the parts call 1 sent back (in DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${SHARED_DATA:-../shared/data}
rm -rf .repro-carry && mkdir -p .repro-carry/data/squad-v1.1 .repro-carry/data/corpus .repro-carry/data/tokenizers
cp "$shared"/squad-v1.1/*.xz .repro-carry/data/squad-v1.1/
case ${1:-} in
  lm|smoke)
    [[ $1 == smoke ]] && cp -r "$shared"/tokenizers/t5 .repro-carry/data/tokenizers/
    cp "$shared"/corpus/pretrain-en.txt.xz .repro-carry/data/corpus/
    cp -r "$shared"/tokenizers/gpt2 .repro-carry/data/tokenizers/ ;;
  meta)
    [[ -d ${2:-} ]] || { echo "carry.sh meta DIR: DIR holds stage1.tgz.part-* from call 1" >&2; exit 2; }
    cp -r "$shared"/tokenizers/t5 .repro-carry/data/tokenizers/
    # Documents are blank-line-separated blocks (awk's paragraph mode), as amem pretrain reads them.
    xz -dc "$shared"/corpus/pretrain-en.txt.xz | awk 'BEGIN { RS = ""; ORS = "\n\n" } NR <= 1500' |
      xz -6 -T2 > .repro-carry/data/corpus/pretrain-en-head.txt.xz
    mkdir -p .repro-carry/stage1 && cp "$2"/stage1.tgz.part-* .repro-carry/stage1/ ;;
  *) echo "usage: scripts/repro/carry.sh lm | smoke | meta DIR" >&2; exit 2 ;;
esac
chmod -R u+w .repro-carry
du -sh .repro-carry
