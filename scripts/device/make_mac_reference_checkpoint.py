#!/usr/bin/env python3
"""A tiny MAC checkpoint in the reference code's layout, and what the reference computes with it.

Rebuilds, in plain torch + transformers, the modules the MAC reference code (github.com/jihoontack/MAC
@ d75891d) saves, with their attribute names, so that `state_dict()` gives the reference's keys:
  AmortEncDecAggregateWrapper (models/amortized_encdec.py:44-90): token_SA, enc_decoder, mlps, aggregator
  T5ForwardWrapper (models/t5_wrapper.py): a T5ForConditionalGeneration with learnable_prompts, no lm_head
  MLP, Aggregator (models/module/aggregate.py), TokenSelfAttend + its FeedForward
  (models/module/self_attention.py), CrossAttentionBlock (models/module/cross_attention.py).
The sizes follow amem's tiny MAC config (configs/mac/tiny_gpt2.yaml with the overrides in SIZES) where
the reference hard-codes them (8 heads of 96 and a 768-wide prefix MLP become 4 x 16 and 64). The T5s
start from tests/data/models/tiny-t5 (as the reference's from_pretrained does), every parameter is then
moved by seeded noise (a stand-in for training, so that no tensor is left at a value amem would load
anyway), and the state dict is saved as the reference saves it (amortized_encdec.py:271-294):
torch.save(dict(state_dict=...)) from the GPU when there is one.

The expected outputs are computed on the CPU in float32 with the reference's padding
(docs/reference_protocol.md §8): documents padded to max_length (mask 0 on pads) and read by a decoder
that gets no encoder mask; training questions left-padded to a fixed width; evaluation questions whole,
followed by pad ids, one question at a time.

Writes into OUT (default $OUT/mac_reference): checkpoint.pt, expected.safetensors, expected.json
(tests/data/mac_reference/ in the repository; tests/methods/mac_reference_import_test.cpp reads them).
Usage: python3 scripts/device/make_mac_reference_checkpoint.py [--out DIR]
"""
import argparse
import collections
import json
import os

import torch
import torch.nn as nn
import transformers
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
T5_DIR = os.path.join(ROOT, "tests", "data", "models", "tiny-t5")
GPT2_CONFIG = os.path.join(ROOT, "tests", "data", "models", "tiny-gpt2", "config.json")

# amem keys of the tiny config the C++ test builds (mac_reference_import_test.cpp) -> values.
SIZES = {
    "num_virtual_tokens": 3,         # T; 8 prefix tokens / 3: the first two repeat 3 times, the last 2
    "layer_num_virtual_tokens": 2,   # P
    "num_cross_attention_blocks": 2,
    "cross_attention_heads": 4,
    "cross_attention_head_dim": 16,
    "prefix_mlp_hidden": 64,
    "document_tokens": 48,           # max_text_len: cut and padded to it
    "train_question_tokens": 24,     # left_pad width
    "eval_question_pads": 128,       # pads after an evaluation question
}
SEED = 0
NOISE = 0.05

DOCUMENTS = [
    "The river flows north through the old town.",
    "A small library opened on the corner in 1998, and it still lends books to everyone who asks.",
    "Tea is grown on the hills east of the city, picked by hand in the spring, dried in the sun, "
    "sold at the market every Sunday morning, and shipped to three countries across the sea.",
]
QUESTIONS = ["Where does the river flow?", "When did the library open?"]


class TokenMlp(nn.Module):
    """aggregate.py MLP: skip(x) + Linear(Tanh(Linear(LayerNorm(x)))); skip is Linear iff widths differ."""

    def __init__(self, d_in, d_out):
        super().__init__()
        self.skip = nn.Identity() if d_in == d_out else nn.Linear(d_in, d_out)
        self.mlp = nn.Sequential(nn.LayerNorm(d_in), nn.Linear(d_in, d_out), nn.Tanh(), nn.Linear(d_out, d_out))

    def forward(self, x):
        return self.skip(x) + self.mlp(x)


class PrefixFeedForward(nn.Module):
    """self_attention.py FeedForward: x + Dropout(Linear(Dropout(GELU(Linear(LayerNorm(x))))))."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(0.0),
                                 nn.Linear(hidden, dim), nn.Dropout(0.0))

    def forward(self, x):
        return self.net(x) + x


class TokenSelfAttend(nn.Module):
    """self_attention.py TokenSelfAttend: repeat the T tokens to A (first A % T once more), one MLP each."""

    def __init__(self, dim, hidden, num_actual, num_virtual):
        super().__init__()
        self.repeat_time = num_actual // num_virtual
        self.denom = num_actual % num_virtual
        self.mlp_layers = nn.ModuleList([PrefixFeedForward(dim, hidden) for _ in range(num_actual)])

    def forward(self, x):
        if self.repeat_time > 1:  # the reference repeats only then
            if self.denom > 0:
                x = torch.cat([x[:, :self.denom].repeat_interleave(self.repeat_time + 1, dim=1),
                               x[:, self.denom:].repeat_interleave(self.repeat_time, dim=1)], dim=1)
            else:
                x = x.repeat_interleave(self.repeat_time, dim=1)
        return torch.cat([mlp(x[:, i:i + 1]) for i, mlp in enumerate(self.mlp_layers)], dim=1)


class CrossAttention(nn.Module):
    def __init__(self, query_dim, context_dim, heads, dim_head):
        super().__init__()
        inner = heads * dim_head
        self.scale = dim_head ** -0.5
        self.heads = heads
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, query_dim), nn.Dropout(0.0))

    def forward(self, x, context):
        def heads_first(t):  # 'b n (h d) -> (b h) n d'
            b, n, _ = t.shape
            return t.view(b, n, self.heads, -1).transpose(1, 2).reshape(b * self.heads, n, -1)

        q, k, v = heads_first(self.to_q(x)), heads_first(self.to_k(context)), heads_first(self.to_v(context))
        attn = (torch.einsum("bid,bjd->bij", q, k) * self.scale).softmax(dim=-1)
        out = torch.einsum("bij,bjd->bid", attn, v)
        b = x.shape[0]
        out = out.view(b, self.heads, x.shape[1], -1).transpose(1, 2).reshape(b, x.shape[1], -1)
        return self.to_out(out)


class FeedForward(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(0.0), nn.Linear(hidden, dim),
                                 nn.Dropout(0.0))

    def forward(self, x):
        return self.net(x)


class CrossAttentionBlock(nn.Module):
    def __init__(self, dim, context_dim, heads, dim_head):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.norm_context = nn.LayerNorm(context_dim)
        self.attn = CrossAttention(dim, context_dim, heads, dim_head)
        hidden = dim_head * heads if dim > dim_head * heads else dim
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = FeedForward(dim, hidden)

    def forward(self, x, context):
        x = x + self.attn(self.norm1(x), self.norm_context(context))
        return x + self.mlp(self.norm2(x))


def load_t5_wrapper(num_tokens):
    """get_amortize_encdec_model (models/__init__.py:98-116): from_pretrained, learnable prompts, no lm_head."""
    t5 = transformers.T5ForConditionalGeneration.from_pretrained(T5_DIR, dtype=torch.float32)
    # transformers 4.36's T5 hands `shared` itself to both stacks (tied); make sure this version does too.
    t5.encoder.embed_tokens = t5.shared
    t5.decoder.embed_tokens = t5.shared
    t5.learnable_prompts = nn.Parameter(torch.randn(1, num_tokens, t5.config.d_model) * 0.02)
    if hasattr(t5, "lm_head"):
        del t5.lm_head
    return t5


def t5_forward(t5, ids, mask):
    """T5ForwardWrapper.forward (t5_wrapper.py:29-46): the decoder reads the prompts, no encoder mask."""
    hidden = t5.encoder(input_ids=ids, attention_mask=mask)[0]
    prompts = t5.learnable_prompts.repeat(ids.shape[0], 1, 1)
    return t5.decoder(inputs_embeds=prompts, encoder_hidden_states=hidden, use_cache=False)[0]


class Aggregator(nn.Module):
    def __init__(self, question_encoder, d, d_q, num_tokens, blocks, heads, dim_head):
        super().__init__()
        self.question_encoder = question_encoder
        self.mlps = nn.ModuleList([TokenMlp(d_q, d) for _ in range(num_tokens)])
        self.cross_attention_list = nn.ModuleList(
            [CrossAttentionBlock(d, d, heads, dim_head) for _ in range(blocks)])

    def forward(self, ids, mask, bank):
        memory = bank.unsqueeze(0).repeat(ids.shape[0], 1, 1, 1).flatten(1, 2)  # 'b s n d -> b (s n) d'
        hidden = t5_forward(self.question_encoder, ids, mask)
        x = torch.cat([mlp(hidden[:, i:i + 1]) for i, mlp in enumerate(self.mlps)], dim=1)
        for block in self.cross_attention_list:
            x = block(x, memory)
        return x


class AmortEncDecAggregate(nn.Module):
    def __init__(self, lm):
        super().__init__()
        t, p = SIZES["num_virtual_tokens"], SIZES["layer_num_virtual_tokens"]
        d = lm["n_embd"]
        self.lm = lm
        self.token_SA = TokenSelfAttend(d, SIZES["prefix_mlp_hidden"], p * lm["n_layer"] * 2, t)
        self.enc_decoder = load_t5_wrapper(t)
        self.mlps = nn.ModuleList([TokenMlp(self.enc_decoder.config.d_model, d) for _ in range(t)])
        question = load_t5_wrapper(t)
        self.aggregator = Aggregator(question, d, question.config.d_model, t, SIZES["num_cross_attention_blocks"],
                                     SIZES["cross_attention_heads"], SIZES["cross_attention_head_dim"])

    def context_amortize(self, ids, mask):
        hidden = t5_forward(self.enc_decoder, ids, mask)
        return torch.cat([mlp(hidden[:, i:i + 1]) for i, mlp in enumerate(self.mlps)], dim=1)

    def prompt_latent_to_prompt(self, latent):
        """amortized_encdec.py:446-456, before split(2): [2L, B, heads, P, head_dim] (key, value per layer)."""
        heads, layers, d = self.lm["n_head"], self.lm["n_layer"], self.lm["n_embd"]
        kv = self.token_SA(latent).view(len(latent), SIZES["layer_num_virtual_tokens"], layers * 2, heads, d // heads)
        return kv.permute(2, 0, 3, 1, 4)


def reference_state_dict(model):
    """model.state_dict() as transformers 4.36 lays out a T5 (shared also under {encoder,decoder}.embed_tokens,
    one storage), whatever this transformers version registers."""
    state = model.state_dict()
    out = collections.OrderedDict()
    prefixes = ("enc_decoder.", "aggregator.question_encoder.")
    for key, value in state.items():
        prefix = next((p for p in prefixes if key.startswith(p)), None)
        if prefix is not None:
            rest = key[len(prefix):]
            if rest.endswith("embed_tokens.weight") or rest.startswith("lm_head."):
                continue
            for stack in ("encoder.", "decoder."):
                if rest.startswith(stack) and prefix + stack + "embed_tokens.weight" not in out:
                    out[prefix + stack + "embed_tokens.weight"] = state[prefix + "shared.weight"]
        out[key] = value
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.environ.get("OUT", "."), "mac_reference"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(SEED)
    with open(GPT2_CONFIG) as f:
        lm = json.load(f)
    model = AmortEncDecAggregate(lm).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * NOISE)

    tok = transformers.AutoTokenizer.from_pretrained(T5_DIR)
    pad = tok.pad_token_id
    docs = tok(DOCUMENTS, max_length=SIZES["document_tokens"], padding="max_length", truncation=True,
               return_tensors="pt")
    tok.padding_side = "left"
    train_q = tok(QUESTIONS, max_length=SIZES["train_question_tokens"], padding="max_length", truncation=True,
                  return_tensors="pt")
    tok.padding_side = "right"
    eval_q = []
    for q in QUESTIONS:  # common/dataset.py:113-121 with pad_qa_for_gen=False
        t = tok(q, return_tensors="pt")
        n = SIZES["eval_question_pads"]
        eval_q.append((torch.nn.functional.pad(t["input_ids"], (0, n), value=pad),
                       torch.nn.functional.pad(t["attention_mask"], (0, n), value=0)))

    tensors, ids = {}, {}
    with torch.no_grad():
        bank = model.context_amortize(docs["input_ids"], docs["attention_mask"])
        tensors["modulations"] = bank
        tensors["train_aggregated"] = model.aggregator(train_q["input_ids"], train_q["attention_mask"], bank)
        for k, (q_ids, q_mask) in enumerate(eval_q):
            latent = model.aggregator(q_ids, q_mask, bank)
            tensors[f"eval_aggregated_{k}"] = latent
            tensors[f"eval_prefix_{k}"] = model.prompt_latent_to_prompt(latent)
            ids[f"eval_question_ids_{k}"] = q_ids.tolist()
            ids[f"eval_question_mask_{k}"] = q_mask.tolist()
    ids["document_ids"] = docs["input_ids"].tolist()
    ids["document_mask"] = docs["attention_mask"].tolist()
    ids["train_question_ids"] = train_q["input_ids"].tolist()
    ids["train_question_mask"] = train_q["attention_mask"].tolist()
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(args.out, "expected.safetensors"))
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump({"documents": DOCUMENTS, "questions": QUESTIONS, "sizes": SIZES, "seed": SEED,
                   "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
                   **ids}, f, indent=1)

    # Saved as the reference saves (base_lm detached; tensors on the training GPU).
    if torch.cuda.is_available():
        model = model.to("cuda")
    state = reference_state_dict(model)
    torch.save(dict(state_dict=state), os.path.join(args.out, "checkpoint.pt"))
    print(f"{len(state)} keys; wrote checkpoint.pt, expected.safetensors, expected.json to {args.out}")


if __name__ == "__main__":
    main()
