#!/usr/bin/env bash
# The reproduction pipeline (issue 15): small models pre-trained from the shared text, then every
# method compared on the SQuAD v1.1 dev stream. The science is in configs/repro/*.yaml; this
# script only orders the stages, sets paths and seeds, and runs independent jobs side by side.
#
# Usage: scripts/repro/pipeline.sh STAGE... --root DIR [--data DIR] [--scale full|mini|smoke|quick] [--amem BIN]
#   STAGE    lm        pre-train the base LM, QA-tune it, and evaluate the rows that need no
#                      meta-training: no adaptation, closed book, gold document, uniform and
#                      salient-span fine-tuning
#            meta      pre-train the T5 (amortizer and question encoder), meta-train MAC and
#                      CaMeLS, evaluate them
#            cmt       meta-train CMT (MAC plus its three techniques, configs/repro/cmt.yaml) on
#                      what stage meta made (the QA-tuned LM and the T5) and evaluate it twice:
#                      decoding under the memory prefix (row cmt) and on the memory-aware logits
#                      (row cmt_memory_aware)
#            report    `amem report` over every run: the table (Markdown, LaTeX) and the plots
#   The stages are split where the GPU machine's calls are (scripts/device/repro_*.sh): what the
#   meta stage needs from the lm stage is the bf16 QA-tuned LM and the locality text, about 37 MB.
#   --root   the pipeline's folder (relative paths here are the caller's): models/, runs/<stage>/, report/ (kept between stages; on the
#            GPU machine the device scripts carry it from one call to the next)
#   --data   the shared data folder (default ../shared/data): squad-v1.1/, corpus/, tokenizers/
#   --scale  full (default: the sizes of configs/repro), or NAME for scripts/repro/NAME.env's
#            overrides: mini (tiny sizes, a few steps, the sample data; a CPU in a few minutes,
#            run by CI) or smoke (the full sizes, a few steps, 40 dev paragraphs: the GPU rehearsal
#            that times each job)
#   --amem   the amem program (default build/bin/amem)
# Each job's output goes to ROOT/logs/<job>.log; a failed job stops the stage with its log's end.
set -euo pipefail
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
here=$PWD
absolute() { [[ $1 == /* ]] && echo "$1" || echo "$here/$1"; }   # paths given are the caller's
stages=()
root="" data="" scale=full amem=""
while (($#)); do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --root|--data|--scale|--amem)
      (($# >= 2)) || { echo "pipeline: $1 needs a value (see --help)" >&2; exit 2; }
      case $1 in
        --root) root=$(absolute "$2") ;; --data) data=$(absolute "$2") ;;
        --scale) scale=$2 ;; --amem) amem=$(absolute "$2") ;;
      esac
      shift 2 ;;
    lm|meta|cmt|report) stages+=("$1"); shift ;;
    *) echo "pipeline: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."
data=${data:-$(absolute ../shared/data)}
amem=${amem:-$PWD/build/bin/amem}
[[ -n $root && ${#stages[@]} -gt 0 ]] || { echo "pipeline: give at least one STAGE and --root DIR (see --help)" >&2; exit 2; }
[[ $scale == full || -f scripts/repro/$scale.env ]] || {
  echo "pipeline: --scale must be full or one of: $(cd scripts/repro && ls *.env | sed 's/\.env$//' | tr '\n' ' ')(not '$scale')" >&2
  exit 2; }
[[ -x $amem ]] || { echo "pipeline: --amem '$amem' is not an executable (build amem first)" >&2; exit 2; }

# Scale: where the data is and what the miniature changes (full: nothing).
train_json=squad-v1.1/train-v1.1.json.xz
dev_json=squad-v1.1/dev-v1.1.json.xz
corpus=corpus/pretrain-en.txt.xz
t5_corpus=corpus/pretrain-en-head.txt.xz   # the corpus's first documents (carry.sh data makes it)
seeds=(0 1 2)
device=cuda
parallel=8
declare -A extra=()   # per config: overrides of the scale
[[ $scale == full ]] || source "scripts/repro/$scale.env"
# A data path of the scale: absolute as given, else under --data.
in_data() { [[ $1 == /* ]] && echo "$1" || echo "$data/$1"; }
# The data the stages read must exist before anything is made.
for stage in "${stages[@]}"; do
  case $stage in
    lm) needed=("$train_json" "$dev_json" "$corpus" tokenizers/gpt2) ;;
    meta) needed=("$train_json" "$dev_json" "$t5_corpus" tokenizers/t5) ;;
    cmt) needed=("$train_json" "$dev_json") ;;
    *) needed=() ;;
  esac
  for f in "${needed[@]}"; do
    [[ -e $(in_data "$f") ]] || { echo "pipeline: stage $stage needs $(in_data "$f") (see --data)" >&2; exit 2; }
  done
done
mkdir -p "$root"/{models,runs,logs,data}

# A file's text, decompressed when it ends in .xz (xz, or Python's lzma where xz is missing).
decompress() {
  if [[ $1 != *.xz ]]; then cat "$1"
  elif command -v xz > /dev/null; then xz -dc "$1"
  else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi
}

# A SQuAD file as plain JSON in ROOT/data (the readers take JSON; the shared copies are .xz).
plain() {
  local src; src=$(in_data "$1"); local out=$root/data/$(basename "${1%.xz}")
  if [[ ! -f $out ]]; then decompress "$src" > "$out.tmp" && mv "$out.tmp" "$out"; fi
  echo "$out"
}

# Runs "name|command" jobs, at most $parallel at once; waits for all; fails if any failed.
jobs_run() {
  local -a pids=() names=()
  local failed=0 spec
  for spec in "$@"; do
    while (( $(jobs -rp | wc -l) >= parallel )); do wait -n || true; done
    local name=${spec%%|*} cmd=${spec#*|}
    echo "pipeline: [$(date +%T)] start $name"
    ( start=$(date +%s); eval "$cmd" > "$root/logs/$name.log" 2>&1; rc=$?
      echo "pipeline: [$(date +%T)] done  $name (rc $rc, $(( $(date +%s) - start )) s)"; exit $rc ) &
    pids+=($!); names+=("$name")
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      failed=1; echo "pipeline: ${names[$i]} failed; the end of $root/logs/${names[$i]}.log:" >&2
      tail -5 "$root/logs/${names[$i]}.log" >&2
    fi
  done
  return $failed
}

# `amem SUB CONFIG` with the scale's overrides for CONFIG, then the call's own.
amem_cmd() {
  local sub=$1 config=$2; shift 2
  echo "OMP_NUM_THREADS=2 $amem $sub configs/repro/$config.yaml ${extra[$config]:-} $* model.device=$device"
}
# The one run folder a finished run left in DIR.
run_in() { local d; d=$(ls -d "$1"/*/ | head -1); echo "${d%/}"; }

eval_rows() {  # NAME CONFIG SEEDS MODEL [OVERRIDES...]: one job per seed
  local name=$1 config=$2 seeds_of=$3 model=$4; shift 4
  local seed
  for seed in $seeds_of; do
    echo "eval-$name-$seed|$(amem_cmd eval "$config" model.path="$model" data.test_path="$dev" data.seed=$seed \
      run.seed=$seed run.name="$name" run.output_dir="$root/runs/eval/$name-$seed" "$@")"
  done
}

stage_lm() {
  local corpus_file; corpus_file=$(in_data "$corpus")
  jobs_run "pretrain-gpt2|$(amem_cmd pretrain pretrain_gpt2 pretrain.text_paths=[$corpus_file] \
      pretrain.tokenizer=$data/tokenizers/gpt2 run.output_dir=$root/runs/pretrain_gpt2)"
  rm -rf "$root/models/gpt2_base"
  cp -r "$(run_in "$root/runs/pretrain_gpt2")/best" "$root/models/gpt2_base"

  jobs_run "qa-tune|$(amem_cmd qa-tune qa_tune model.path=$root/models/gpt2_base data.train_path=$train \
      data.val_path=$train run.output_dir=$root/runs/qa_tune)"
  # Stored in bf16, the form the next device call receives it in (scripts/device/repro_*.sh);
  # every row evaluates these same rounded weights (computing in fp32).
  rm -rf "$root/models/gpt2_qa"
  "$amem" lm convert --model "$(run_in "$root/runs/qa_tune")/best" --dtype bf16 --out "$root/models/gpt2_qa"

  # Locality text for CaMeLS's KL term (meta stage): the first 2,000 characters of the corpus's
  # first 1,000 documents, cut at a space (never inside a UTF-8 character), one passage per line
  # (the paper uses 8k OpenWebText passages).
  decompress "$corpus_file" | awk 'BEGIN { RS = "" } NR <= 1000 { gsub(/\n/, " "); s = substr($0, 1, 2000); sub(/ [^ ]*$/, "", s); print s }' \
    > "$root/data/locality.txt"

  # Frozen rows: the order of the stream cannot change their answers, so one seed each; the
  # fine-tuning rows adapt in stream order, so three.
  local qa=$root/models/gpt2_qa
  mapfile -t rows < <(eval_rows none eval 0 "$root/models/gpt2_base"
                      eval_rows closed_book eval 0 "$qa"
                      eval_rows gold_document eval 0 "$qa" eval.adapter=gold_document
                      eval_rows uniform eval "${seeds[*]}" "$qa" eval.adapter=uniform
                      eval_rows salient eval "${seeds[*]}" "$qa" eval.adapter=salient)
  jobs_run "${rows[@]}"
}

stage_meta() {
  [[ -d $root/models/gpt2_qa && -f $root/data/locality.txt ]] ||
    { echo "pipeline: no $root/models/gpt2_qa or locality text (run the lm stage first)" >&2; exit 2; }
  local qa=$root/models/gpt2_qa t5_corpus_file; t5_corpus_file=$(in_data "$t5_corpus")
  jobs_run \
    "pretrain-t5|$(amem_cmd pretrain pretrain_t5 pretrain.text_paths=[$t5_corpus_file] \
        pretrain.tokenizer=$data/tokenizers/t5 run.output_dir=$root/runs/pretrain_t5)" \
    "train-camels|$(amem_cmd train camels model.path=$qa camels.weight_model_path=$qa \
        camels.locality_path=$root/data/locality.txt data.train_path=$train data.val_path=$train run.output_dir=$root/runs/camels)"
  rm -rf "$root/models/t5"
  cp -r "$(run_in "$root/runs/pretrain_t5")/best" "$root/models/t5"
  local t5=$root/models/t5
  mapfile -t rows < <(
    echo "train-mac|$(amem_cmd train mac model.path=$qa mac.amortizer=$t5 mac.question_encoder=$t5 \
        data.train_path=$train data.val_path=$train run.output_dir=$root/runs/mac)"
    eval_rows camels eval_camels "${seeds[*]}" "$qa" camels.weight_model_path="$(run_in "$root/runs/camels")/best")
  jobs_run "${rows[@]}"
  mapfile -t rows < <(eval_rows mac eval_mac "${seeds[*]}" "$qa" mac.amortizer=$t5 mac.question_encoder=$t5 \
      mac.networks="$(run_in "$root/runs/mac")/best")
  jobs_run "${rows[@]}"
}

stage_cmt() {
  [[ -d $root/models/gpt2_qa && -d $root/models/t5 ]] ||
    { echo "pipeline: no $root/models/gpt2_qa or $root/models/t5 (run the lm and meta stages first)" >&2; exit 2; }
  local qa=$root/models/gpt2_qa t5=$root/models/t5
  jobs_run "train-cmt|$(amem_cmd train cmt model.path=$qa mac.amortizer=$t5 mac.question_encoder=$t5 \
      data.train_path=$train data.val_path=$train run.output_dir=$root/runs/cmt)"
  local networks; networks="$(run_in "$root/runs/cmt")/best"
  mapfile -t rows < <(eval_rows cmt eval_cmt "${seeds[*]}" "$qa" mac.amortizer=$t5 mac.question_encoder=$t5 \
                          mac.networks="$networks"
                      eval_rows cmt_memory_aware eval_cmt "${seeds[*]}" "$qa" mac.amortizer=$t5 \
                          mac.question_encoder=$t5 mac.networks="$networks" cmt.memory_aware.at_inference=true)
  jobs_run "${rows[@]}"
}

stage_report() {
  "$amem" report "$root/runs" --out "$root/report"
  cat "$root/report/table.md"
}

if [[ " ${stages[*]} " == *" lm "* || " ${stages[*]} " == *" meta "* || " ${stages[*]} " == *" cmt "* ]]; then
  train=$(plain "$train_json")
  dev=$(plain "$dev_json")
fi
for stage in "${stages[@]}"; do
  start=$(date +%s)
  echo "pipeline: stage $stage ($scale) in $root"
  "stage_$stage"
  echo "pipeline: stage $stage took $(( $(date +%s) - start )) s"
done
