#!/usr/bin/env python3
"""Make the tiny Hugging Face checkpoints and golden outputs that amem's parity tests read.

Runs where `transformers` is installed (the GPU machine's python3); needs no GPU. For each model
family it random-initialises a tiny model, saves it with `save_pretrained` (safetensors) next to the
tokenizer files from tests/data/tokenizers, and records the reference implementation's outputs:

  causal LMs (tiny-gpt2, tiny-llama, tiny-qwen2): logits of a left-padded batch, logits with a random
  per-layer key/value prefix (P-tuning v2 through past_key_values), full-sequence and answer-only
  losses, greedy and beam-search continuations, and a greedy continuation under the prefix;
  T5 (tiny-t5, tiny-t5-v1_1): encoder output, decoder logits, the decoder's last hidden state when
  fed query embeddings instead of tokens (how MAC's amortization network uses it), greedy output.

Tensors go to golden.safetensors, token ids and settings to golden.json. The layout is documented
in tests/data/models/README.md. Usage:
  python3 scripts/device/make_model_fixtures.py --tokenizers tests/data/tokenizers --out DIR
"""
import argparse
import json
import os
import shutil

import sentencepiece
import torch
import transformers
from safetensors.torch import save_file

PREFIX_LEN = 3
# Random models give nearly flat logits with the usual 0.02 initialisation, and greedy/beam ties
# would then hinge on the last bit of float rounding. A wider initialisation makes them peaked.
INIT_RANGE = 0.2


def versions():
    return {"transformers": transformers.__version__, "torch": torch.__version__}


def make_cache(config, keys, values):
    """A DynamicCache holding the given per-layer key/value prefix."""
    from transformers import DynamicCache
    try:
        cache = DynamicCache(config=config)
    except TypeError:
        cache = DynamicCache()
    for layer, (k, v) in enumerate(zip(keys, values)):
        cache.update(k.clone(), v.clone(), layer)
    return cache


def left_padded_batch(vocab, pad_id, gen):
    ids = torch.randint(3, vocab - 1, (2, 8), generator=gen)
    mask = torch.ones(2, 8, dtype=torch.long)
    ids[1, :3] = pad_id
    mask[1, :3] = 0
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    return ids, mask, positions


@torch.no_grad()
def greedy_with_prefix(model, cfg, keys, values, prompt, steps):
    """Reference greedy decoding under a prefix, with model forwards only: `generate` would take
    the prefix for already-seen prompt tokens and slice the prompt accordingly."""
    cache = make_cache(cfg, keys, values)
    length = prompt.size(1)
    mask = torch.ones(1, PREFIX_LEN + length, dtype=torch.long)
    positions = torch.arange(PREFIX_LEN, PREFIX_LEN + length).unsqueeze(0)
    out = model(input_ids=prompt, attention_mask=mask, position_ids=positions,
                past_key_values=cache, use_cache=True)
    new = []
    for step in range(steps):
        token = out.logits[:, -1].argmax(-1, keepdim=True)
        new.append(int(token))
        mask = torch.cat([mask, torch.ones(1, 1, dtype=torch.long)], dim=1)
        position = torch.tensor([[PREFIX_LEN + length + step]])
        out = model(input_ids=token, attention_mask=mask, position_ids=position,
                    past_key_values=out.past_key_values, use_cache=True)
    return new


@torch.no_grad()
def causal_goldens(model, cfg, vocab, eos_id):
    gen = torch.Generator().manual_seed(1234)
    ids, mask, positions = left_padded_batch(vocab, eos_id, gen)
    tensors = {"input_ids": ids, "attention_mask": mask, "position_ids": positions}
    tensors["logits"] = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits

    n_layers = cfg.num_hidden_layers
    n_kv = getattr(cfg, "num_key_value_heads", None) or cfg.num_attention_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    keys = [torch.randn(2, n_kv, PREFIX_LEN, head_dim, generator=gen) for _ in range(n_layers)]
    values = [torch.randn(2, n_kv, PREFIX_LEN, head_dim, generator=gen) for _ in range(n_layers)]
    for layer in range(n_layers):
        tensors[f"prefix_key_{layer}"] = keys[layer]
        tensors[f"prefix_value_{layer}"] = values[layer]
    prefix_mask = torch.cat([torch.ones(2, PREFIX_LEN, dtype=torch.long), mask], dim=1)
    tensors["prefix_logits"] = model(input_ids=ids, attention_mask=prefix_mask,
                                     position_ids=positions + PREFIX_LEN,
                                     past_key_values=make_cache(cfg, keys, values)).logits

    tensors["loss"] = model(input_ids=ids[:1], labels=ids[:1]).loss
    labels = ids.clone()
    labels[:, :5] = -100
    labels[mask == 0] = -100
    tensors["answer_loss"] = model(input_ids=ids, attention_mask=mask, position_ids=positions,
                                   labels=labels).loss

    prompt_ids, prompt_mask, _ = left_padded_batch(vocab, eos_id, gen)
    common = dict(input_ids=prompt_ids, attention_mask=prompt_mask, do_sample=False,
                  pad_token_id=eos_id, eos_token_id=eos_id)
    greedy = model.generate(max_new_tokens=8, **common)[:, prompt_ids.size(1):]
    beam = model.generate(max_new_tokens=6, num_beams=3, length_penalty=1.0,
                          early_stopping=False, **common)[:, prompt_ids.size(1):]
    prompt_row = prompt_ids[:1]
    info = {
        "greedy": {"prompt_ids": prompt_ids.tolist(), "prompt_mask": prompt_mask.tolist(),
                   "max_new_tokens": 8, "output_ids": greedy.tolist()},
        "beam": {"prompt_ids": prompt_ids.tolist(), "prompt_mask": prompt_mask.tolist(),
                 "max_new_tokens": 6, "num_beams": 3, "length_penalty": 1.0,
                 "early_stopping": False, "output_ids": beam.tolist()},
        "greedy_prefix": {"prompt_ids": prompt_row.tolist(), "prefix_row": 0, "max_new_tokens": 8,
                          "output_ids": greedy_with_prefix(
                              model, cfg, [k[:1] for k in keys], [v[:1] for v in values],
                              prompt_row, 8)},
        "prefix_len": PREFIX_LEN,
        # The gap between the two best logits at each greedy step tells how robust the ids are.
        "min_top2_gap_first_step": float(
            tensors["logits"][:, -1].topk(2).values.diff(dim=-1).abs().min()),
    }
    return tensors, info


@torch.no_grad()
def t5_goldens(model, cfg, vocab):
    gen = torch.Generator().manual_seed(4321)
    ids = torch.randint(3, vocab - 1, (2, 9), generator=gen)
    mask = torch.ones(2, 9, dtype=torch.long)
    ids[:, -1] = cfg.eos_token_id
    ids[1, 4] = cfg.eos_token_id
    ids[1, 5:] = cfg.pad_token_id
    mask[1, 5:] = 0
    tensors = {"input_ids": ids, "attention_mask": mask}
    encoder_hidden = model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    tensors["encoder_hidden"] = encoder_hidden

    decoder_ids = torch.randint(3, vocab - 1, (2, 5), generator=gen)
    decoder_ids[:, 0] = cfg.decoder_start_token_id
    tensors["decoder_input_ids"] = decoder_ids
    tensors["decoder_logits"] = model(input_ids=ids, attention_mask=mask,
                                      decoder_input_ids=decoder_ids).logits

    query = torch.randn(2, 4, cfg.d_model, generator=gen)
    tensors["query_embeds"] = query
    tensors["query_decoder_hidden"] = model.decoder(
        inputs_embeds=query, encoder_hidden_states=encoder_hidden,
        encoder_attention_mask=mask).last_hidden_state

    out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=6, do_sample=False)
    info = {"greedy": {"max_new_tokens": 6, "output_ids": out.tolist()}}
    return tensors, info


def save(model, tensors, info, out_dir, tokenizer_files, tokenizer_config):
    model.save_pretrained(out_dir, safe_serialization=True)
    for src in tokenizer_files:
        shutil.copy(src, out_dir)
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(tokenizer_config, f, indent=2)
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(out_dir, "golden.safetensors"))
    info["versions"] = versions()
    info["config"] = model.config.to_dict()
    with open(os.path.join(out_dir, "golden.json"), "w") as f:
        json.dump(info, f, indent=1, default=str)
    print(f"{out_dir}: {sum(p.numel() for p in model.parameters())} parameters")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizers", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    tok = args.tokenizers
    torch.manual_seed(0)

    # --- GPT-2 on the byte-level BPE fixture.
    vocab_json = os.path.join(tok, "gpt2_bpe", "vocab.json")
    gpt2_vocab = len(json.load(open(vocab_json)))
    eos = gpt2_vocab - 1  # <|endoftext|> is the last id, as in GPT-2
    cfg = transformers.GPT2Config(vocab_size=gpt2_vocab, n_positions=64, n_embd=64, n_layer=2,
                                  n_head=4, bos_token_id=eos, eos_token_id=eos,
                                  initializer_range=INIT_RANGE)
    model = transformers.GPT2LMHeadModel(cfg).eval()
    tensors, info = causal_goldens(model, cfg, gpt2_vocab, eos)
    save(model, tensors, info, os.path.join(args.out, "tiny-gpt2"),
         [vocab_json, os.path.join(tok, "gpt2_bpe", "merges.txt")],
         {"tokenizer_class": "GPT2Tokenizer", "bos_token": "<|endoftext|>",
          "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "model_max_length": 64})

    # --- LLaMA (GQA, linear RoPE scaling) and Qwen2 (q/k/v bias, tied) on the sentencepiece BPE.
    spm_path = os.path.join(tok, "llama_bpe", "tokenizer.model")
    sp = sentencepiece.SentencePieceProcessor(model_file=spm_path)
    llama_vocab = sp.get_piece_size()
    shape = dict(vocab_size=llama_vocab, hidden_size=64, intermediate_size=128,
                 num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=10000.0,
                 initializer_range=INIT_RANGE, bos_token_id=sp.bos_id(), eos_token_id=sp.eos_id())
    llama_tok = {"tokenizer_class": "LlamaTokenizer", "add_bos_token": True, "add_eos_token": False,
                 "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "legacy": True}
    cfg = transformers.LlamaConfig(rope_scaling={"rope_type": "linear", "factor": 2.0},
                                   tie_word_embeddings=False, **shape)
    model = transformers.LlamaForCausalLM(cfg).eval()
    tensors, info = causal_goldens(model, cfg, llama_vocab, sp.eos_id())
    save(model, tensors, info, os.path.join(args.out, "tiny-llama"), [spm_path], llama_tok)

    cfg = transformers.Qwen2Config(tie_word_embeddings=True, use_sliding_window=False, **shape)
    model = transformers.Qwen2ForCausalLM(cfg).eval()
    tensors, info = causal_goldens(model, cfg, llama_vocab, sp.eos_id())
    save(model, tensors, info, os.path.join(args.out, "tiny-qwen2"), [spm_path],
         dict(llama_tok, add_bos_token=False))

    # --- T5 v1.0 (relu, tied, rescaled lm_head input) and v1.1 (gated-gelu, untied).
    spiece = os.path.join(tok, "t5_unigram", "spiece.model")
    t5_vocab = sentencepiece.SentencePieceProcessor(model_file=spiece).get_piece_size()
    t5_tok = {"tokenizer_class": "T5Tokenizer", "eos_token": "</s>", "pad_token": "<pad>",
              "unk_token": "<unk>", "extra_ids": 0}
    for name, ff, tied in (("tiny-t5", "relu", True), ("tiny-t5-v1_1", "gated-gelu", False)):
        cfg = transformers.T5Config(vocab_size=t5_vocab, d_model=64, d_kv=16, d_ff=128,
                                    num_layers=2, num_decoder_layers=2, num_heads=4,
                                    relative_attention_num_buckets=32,
                                    relative_attention_max_distance=64, dropout_rate=0.0,
                                    feed_forward_proj=ff, tie_word_embeddings=tied,
                                    decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
        model = transformers.T5ForConditionalGeneration(cfg).eval()
        tensors, info = t5_goldens(model, cfg, t5_vocab)
        save(model, tensors, info, os.path.join(args.out, name), [spiece], t5_tok)


if __name__ == "__main__":
    main()
