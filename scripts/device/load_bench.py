"""Issue 16 item 1: loading a LLaMA-2-7B-shaped checkpoint, amem against transformers.

Subcommands (scripts/device/load_bench.sh runs them in order):
  make DIR TOKENIZER   a random LLaMA-2-7B-shaped bf16 checkpoint in DIR (save_pretrained,
                       5 GB shards) with TOKENIZER (a LLaMA-2 tokenizer.model) copied beside it
  hf DIR N             transformers from_pretrained(dtype=bf16, device_map="cuda") + greedy
                       generate of N tokens in this (fresh) process; one JSON line
  measure IMPL CMD...  runs CMD once in a fresh process (its output discarded); one JSON line
                       with its wall seconds and its own peak RSS (wait4)
  summary FILE         medians of the JSON lines in FILE per impl, and the amem/transformers ratios
"""
import json
import os
import shutil
import statistics
import sys
import time

PROMPT_IDS = [1, 450, 4996, 17354, 1701, 29916]  # bench_load's default --prompt-ids


def make(out_dir, tokenizer):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    start = time.perf_counter()
    config = LlamaConfig(vocab_size=32000, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                         num_attention_heads=32, num_key_value_heads=32, max_position_embeddings=4096,
                         rms_norm_eps=1e-5, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
    # Built on the GPU in bf16: its initialisation takes a second there, not minutes on the CPU.
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        model = LlamaForCausalLM(config)
    torch.set_default_dtype(torch.float32)
    model = model.to(torch.bfloat16)
    model.save_pretrained(out_dir, max_shard_size="5GB")
    shutil.copy(tokenizer, os.path.join(out_dir, "tokenizer.model"))
    size = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    print(f"load_bench: wrote {out_dir} ({size / 1e9:.1f} GB, {sum(p.numel() for p in model.parameters()) / 1e9:.2f}B "
          f"parameters) in {time.perf_counter() - start:.0f} s", flush=True)


def hf(model_dir, new_tokens):
    start = time.perf_counter()
    import resource

    import torch
    from transformers import AutoModelForCausalLM

    imported = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, device_map="cuda")
    torch.cuda.synchronize()
    load_s = time.perf_counter() - start
    ids = torch.tensor([PROMPT_IDS], device="cuda")
    mask = torch.ones_like(ids)
    with torch.no_grad():
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=1, do_sample=False).cpu()
        first_token_s = time.perf_counter() - start
        generate_start = time.perf_counter()
        # min_new_tokens: exactly new_tokens, as amem's bench (which ignores EOS) generates.
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                       do_sample=False).cpu()
        generate_s = time.perf_counter() - generate_start
    print(json.dumps({"impl": "transformers", "torch": torch.__version__, "import_s": round(imported - start, 3),
                      "load_s": round(load_s, 3), "first_token_s": round(first_token_s, 3),
                      "generate_s": round(generate_s, 3), "new_tokens": new_tokens,
                      # as `measure` times amem lm generate: the whole process (less Python's start)
                      "wall_s": round(time.perf_counter() - start, 3),
                      "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "peak_gpu_bytes": torch.cuda.max_memory_allocated()}), flush=True)


def run_one(cmd):
    """One fresh process, measured with wait4 (the child's own peak RSS, not a running maximum)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    return time.perf_counter() - start, os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024


def summary(path):
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    by_impl = {}
    for row in rows:
        by_impl.setdefault(row["impl"], []).append(row)
    keys = ("wall_s", "import_s", "load_s", "first_token_s", "generate_s", "peak_rss_bytes", "peak_gpu_bytes")
    medians = {}
    for impl, runs in by_impl.items():
        medians[impl] = {k: statistics.median(r[k] for r in runs) for k in keys if all(k in r for r in runs)}
        shown = ", ".join(f"{k} {v / 1e9:.2f} GB" if k.endswith("bytes") else f"{k} {v:.2f}"
                          for k, v in medians[impl].items())
        print(f"{impl} (median of {len(runs)}): {shown}")
    hf_row = medians.get("transformers", {})
    for impl in ("amem", "amem lm generate"):
        if impl not in medians:
            continue
        ratios = ", ".join(f"{k} {medians[impl][k] / hf_row[k]:.2f}" for k in keys
                           if k in medians[impl] and hf_row.get(k))
        print(f"ratio {impl} / transformers (< 1: amem uses less): {ratios}")


def main():
    command = sys.argv[1]
    if command == "make":
        make(sys.argv[2], sys.argv[3])
    elif command == "hf":
        hf(sys.argv[2], int(sys.argv[3]))
    elif command == "measure":
        # measure IMPL CMD...: one fresh process; its wall time and own peak RSS as a JSON line.
        wall, code, rss = run_one(sys.argv[3:])
        if code != 0:
            sys.exit(f"load_bench: {' '.join(sys.argv[3:])} failed with exit code {code}")
        print(json.dumps({"impl": sys.argv[2], "wall_s": round(wall, 3), "peak_rss_bytes": rss}), flush=True)
    elif command == "summary":
        summary(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
