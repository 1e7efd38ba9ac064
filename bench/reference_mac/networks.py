"""The MAC reference's networks (github.com/jihoontack/MAC @ d75891d), re-created in torch + transformers.

The module classes with the reference's attribute names (so that state_dict() gives its keys) are the
ones scripts/device/make_mac_reference_checkpoint.py rebuilt and checked against amem's import
goldens; this file assembles them at any size and runs them as the reference does:
  ReferenceMac            AmortEncDecAggregateWrapper (M:models/amortized_encdec.py:44-90): token_SA,
                          enc_decoder, mlps, aggregator; base LM held outside (not saved, frozen)
  context_amortize        M:models/amortized_encdec.py:315-357: lifted rows with gradient, the rest
                          under no_grad, one MLP per virtual token in a Python loop
  prompt_latent_to_prompt M:models/amortized_encdec.py:446-456: TokenSelfAttend's per-token loop, then
                          view/permute/split(2): per layer a [2, B, heads, P, head_dim] (key, value)
  base_lm_forward         M:models/peft_wrapper.py:44-84: prefix mask ones, the prefix as past keys and
                          values, no position ids (GPT-2 counts positions from the prefix length)
  reference_step_loss     M:models/amortized_encdec.py:92-163: lift slicing, the three no-grad metric
                          forwards, base LM in train mode (gpt_drop), the QA loss, metrics by .item()
T5s and GPT-2 run transformers' eager attention, as 4.36.2 (the version MAC pins, M:README.md:10)
had no other for them.
"""
import os
import sys

import torch
import torch.nn as nn
import transformers

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "device"))
from make_mac_reference_checkpoint import Aggregator, TokenMlp, TokenSelfAttend, t5_forward  # noqa: E402

# t5-base / t5-large config.json values (the reference loads them with from_pretrained).
T5_SHAPES = {
    "t5-base": dict(d_model=768, d_ff=3072, num_layers=12, num_decoder_layers=12, num_heads=12),
    "t5-large": dict(d_model=1024, d_ff=4096, num_layers=24, num_decoder_layers=24, num_heads=16),
}
GPT2_SHAPES = {"distilgpt2": (768, 6, 12), "gpt2": (768, 12, 12), "gpt2-large": (1280, 36, 20),
               "gpt2-xl": (1600, 48, 25)}


def add_network_arguments(parser):
    """The options that choose the random networks, shared by bench_train.py and bench_eval.py."""
    parser.add_argument("--preset", default="gpt2-xl", choices=sorted(GPT2_SHAPES))
    parser.add_argument("--amortizer", default="t5-large", choices=sorted(T5_SHAPES))
    parser.add_argument("--question-encoder", default="t5-base", choices=sorted(T5_SHAPES))
    parser.add_argument("--num-virtual-tokens", type=int, default=24)


def eager(model):
    """The model with transformers' eager attention (the config asks for it; set_attn_implementation
    where a version picked another)."""
    if model.config._attn_implementation != "eager" and hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation("eager")
    assert model.config._attn_implementation == "eager", \
        f"{type(model).__name__} runs {model.config._attn_implementation} attention; the reference's 4.36.2 ran eager"
    return model


def random_t5(name, num_tokens):
    """A T5ForwardWrapper as get_amortize_encdec_model makes it (M:models/__init__.py:98-116), from a
    config instead of from_pretrained: learnable prompts (randn * .02), no lm_head."""
    config = transformers.T5Config(vocab_size=32128, d_kv=64, relative_attention_num_buckets=32,
                                   relative_attention_max_distance=128, dropout_rate=0.1, layer_norm_epsilon=1e-6,
                                   feed_forward_proj="relu", is_encoder_decoder=True, tie_word_embeddings=True,
                                   decoder_start_token_id=0, pad_token_id=0, eos_token_id=1,
                                   attn_implementation="eager", **T5_SHAPES[name])
    t5 = eager(transformers.T5ForConditionalGeneration(config))
    t5.learnable_prompts = nn.Parameter(torch.randn(1, num_tokens, config.d_model) * 0.02)
    if hasattr(t5, "lm_head"):
        del t5.lm_head
    return t5


def random_gpt2(name):
    d, layers, heads = GPT2_SHAPES[name]
    config = transformers.GPT2Config(n_embd=d, n_layer=layers, n_head=heads, vocab_size=50257, n_positions=1024,
                                     attn_implementation="eager")
    model = eager(transformers.GPT2LMHeadModel(config))
    for p in model.parameters():  # frozen (M:models/__init__.py:62-63)
        p.requires_grad_(False)
    return model


class ReferenceMac(nn.Module):
    """AmortEncDecAggregateWrapper's trained modules. lm: the base LM's config (n_embd, n_layer,
    n_head); sizes: num_virtual_tokens (T), layer_num_virtual_tokens (P), num_cross_attention_blocks,
    cross_attention_heads / _head_dim (8 / 96 in the reference, M:models/module/aggregate.py:42-43),
    prefix_mlp_hidden (768, M:models/module/self_attention.py:84)."""

    def __init__(self, lm, sizes, enc_decoder, question_encoder):
        super().__init__()
        self.lm, self.sizes = lm, sizes
        t, p = sizes["num_virtual_tokens"], sizes["layer_num_virtual_tokens"]
        d = lm["n_embd"]
        self.token_SA = TokenSelfAttend(d, sizes["prefix_mlp_hidden"], p * lm["n_layer"] * 2, t)
        self.enc_decoder = enc_decoder
        self.mlps = nn.ModuleList([TokenMlp(enc_decoder.config.d_model, d) for _ in range(t)])
        self.aggregator = Aggregator(question_encoder, d, question_encoder.config.d_model, t,
                                     sizes["num_cross_attention_blocks"], sizes["cross_attention_heads"],
                                     sizes["cross_attention_head_dim"])

    def _modulations(self, ids, mask):
        hidden = t5_forward(self.enc_decoder, ids, mask)
        return torch.cat([mlp(hidden[:, i:i + 1]) for i, mlp in enumerate(self.mlps)], dim=1)

    def context_amortize(self, ids, mask, lift_ratio=1.0, train=False):
        """[B, T, d]: the first int(B * lift) documents with gradient, the rest without."""
        if lift_ratio == 1.0 or not train:
            return self._modulations(ids, mask)
        n = int(ids.shape[0] * lift_ratio)
        with torch.no_grad():
            rest = self._modulations(ids[n:], mask[n:])
        return torch.cat([self._modulations(ids[:n], mask[:n]), rest], dim=0)

    def prompt_latent_to_prompt(self, latent):
        """The prefix as a tuple of n_layer tensors [2, B, heads, P, head_dim] (key, value)."""
        heads, layers, d = self.lm["n_head"], self.lm["n_layer"], self.lm["n_embd"]
        kv = self.token_SA(latent).view(len(latent), self.sizes["layer_num_virtual_tokens"], layers * 2, heads,
                                        d // heads)
        return kv.permute(2, 0, 3, 1, 4).split(2)


def prefix_cache(prompts, config, dtype):
    """A DynamicCache holding the prefix in the base LM's dtype (transformers 5 takes no legacy
    tuples); a fresh one per forward, since a forward appends the sequence's keys to it."""
    try:
        cache = transformers.DynamicCache(config=config)
    except TypeError:
        cache = transformers.DynamicCache()
    for layer, kv in enumerate(prompts):
        cache.update(kv[0].to(dtype), kv[1].to(dtype), layer)
    return cache


def base_lm_forward(base_lm, input_ids, attention_mask, labels=None, prompts=None):
    """BaseModelPeftWrapper.forward: without prompts the plain forward; with them the mask gets
    P leading ones and the prefix goes in as past keys and values."""
    if prompts is None:
        return base_lm(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    p = prompts[0].shape[3]
    mask = torch.cat([torch.ones(input_ids.shape[0], p, dtype=attention_mask.dtype, device=attention_mask.device),
                      attention_mask], dim=1)
    return base_lm(input_ids=input_ids, attention_mask=mask, labels=labels,
                   past_key_values=prefix_cache(prompts, base_lm.config, base_lm.dtype), use_cache=True)


def reference_step_loss(mac, base_lm, batch, lift_ratio, gpt_drop=True):
    """AmortEncDecAggregateWrapper.forward(train=True): (qa_loss, metrics). batch: text_ids,
    text_attention (base LM document), text_ids_amort, text_attention_amort (T5 document),
    gen_q_ids_amort, gen_q_attn_mask_amort (T5 question), qa_ids, qa_attention, qa_target_ids."""
    b = dict(batch)
    size = b["text_ids"].shape[0]
    text_labels = b["text_ids"].clone()
    text_labels[b["text_attention"] != 1] = -100
    if lift_ratio != 1.0:
        n = int(size * lift_ratio)
        for key in ("gen_q_ids_amort", "gen_q_attn_mask_amort", "text_ids", "text_attention", "qa_ids",
                    "qa_attention", "qa_target_ids"):
            b[key] = b[key][:n]
        text_labels = text_labels[:n]
    bank = mac.context_amortize(b["text_ids_amort"], b["text_attention_amort"], lift_ratio, train=True)
    latent = mac.aggregator(b["gen_q_ids_amort"], b["gen_q_attn_mask_amort"], bank)
    prompts = mac.prompt_latent_to_prompt(latent)
    with torch.no_grad():
        init_text_loss = base_lm_forward(base_lm, b["text_ids"], b["text_attention"], text_labels).loss
        init_qa_loss = base_lm_forward(base_lm, b["qa_ids"], b["qa_attention"], b["qa_target_ids"]).loss
        final_text_loss = base_lm_forward(base_lm, b["text_ids"], b["text_attention"], text_labels, prompts).loss
    base_lm.train(gpt_drop)
    qa_loss = base_lm_forward(base_lm, b["qa_ids"], b["qa_attention"], b["qa_target_ids"], prompts).loss
    metrics = {"text_loss": final_text_loss.item(),
               "text_gain_from_base": init_text_loss.item() - final_text_loss.item(),
               "qa_loss": qa_loss.item(), "qa_gain_from_base": init_qa_loss.item() - qa_loss.item()}
    metrics["total_loss"] = qa_loss.item()
    return qa_loss, metrics
