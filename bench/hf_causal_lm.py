#!/usr/bin/env python3
"""The `transformers` side of bench_causal_lm: the same random GPT-2 model, the same shapes and the
same timing protocol, so that the two programs' figures can be compared in one device call.

Prints one JSON line: {"impl": "transformers", "forward_tokens_per_s": median, ...}.
Usage: python3 bench/hf_causal_lm.py [--preset gpt2-xl] [--dtype bf16] [--batch 8] ...
"""
import argparse
import json
import statistics
import time

import torch
import transformers

PRESETS = {  # GPT-2 family shapes (n_embd, n_layer, n_head)
    "distilgpt2": (768, 6, 12), "gpt2": (768, 12, 12), "gpt2-medium": (1024, 24, 16),
    "gpt2-large": (1280, 36, 20), "gpt2-xl": (1600, 48, 25)}


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="gpt2-xl", choices=PRESETS)
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "fp32"])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    n_embd, n_layer, n_head = PRESETS[args.preset]
    config = transformers.GPT2Config(n_embd=n_embd, n_layer=n_layer, n_head=n_head, n_positions=1024,
                                     vocab_size=50257)
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    torch.manual_seed(0)
    with torch.device("cuda"):  # initialise on the GPU: a 1.5B model on the CPU takes a while
        model = transformers.GPT2LMHeadModel(config).to(dtype).eval()
    gen = torch.Generator(device="cuda").manual_seed(0)
    ids = torch.randint(0, 50256, (args.batch, args.seq), device="cuda", generator=gen)
    prompt = ids[:, :args.prompt]

    with torch.no_grad():
        def forward():
            model(input_ids=ids, use_cache=False)

        def generate():
            # EOS can never stop it early: every row produces exactly new_tokens tokens.
            model.generate(input_ids=prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                           max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens,
                           pad_token_id=0, eos_token_id=None)

        forward(), generate()  # warm-up: kernels, allocator
        t_forward = timed(forward, args.repeats)
        t_generate = timed(generate, args.repeats)
    print(json.dumps({
        "impl": "transformers", "transformers": transformers.__version__, "torch": torch.__version__,
        "preset": args.preset, "dtype": args.dtype, "batch": args.batch, "seq": args.seq,
        "prompt": args.prompt, "new_tokens": args.new_tokens,
        "forward_s": t_forward, "forward_tokens_per_s": args.batch * args.seq / t_forward,
        "generate_s": t_generate, "generate_tokens_per_s": args.batch * args.new_tokens / t_generate,
        "peak_memory_gb": torch.cuda.max_memory_allocated() / 1e9}))


if __name__ == "__main__":
    main()
