#!/usr/bin/env python3
"""Train the tiny tokenizers that amem's tokenizer and model tests use, and record golden ids.

Runs where the Hugging Face `tokenizers` library and `sentencepiece` are installed (the GPU
machine's python3; no GPU needed). The training corpus is the SQuAD sample under data/ plus the
test texts, so the vocabularies are small (a few hundred pieces) but realistic. Writes, under DIR:

  gpt2_bpe/      vocab.json + merges.txt (GPT-2 layout, <|endoftext|> the last id) and the same
                 tokenizer as tokenizer.json (byte-level BPE, GPT-2 pre-tokenization)
  llama_bpe/     tokenizer.model: sentencepiece BPE set up like LLaMA's (byte fallback, split
                 digits, identity normalisation, unk=0 bos=1 eos=2)
  t5_unigram/    spiece.model: sentencepiece unigram set up like T5's (NFKC, pad=0 eos=1 unk=2)
  golden.json    for each text of texts.json and each tokenizer: the reference ids without
                 special tokens, the ids with the family's special tokens, and the decoded text

Usage: python3 scripts/device/make_tokenizer_fixtures.py tests/data/tokenizers
"""
import glob
import json
import os
import sys

import sentencepiece as spm
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers


def corpus(texts):
    lines = []
    for path in sorted(glob.glob("data/squad-sample/*.json")):
        for article in json.load(open(path))["data"]:
            for paragraph in article["paragraphs"]:
                lines.append(paragraph["context"])
                lines.extend(qa["question"] for qa in paragraph["qas"])
    return lines + [t for t in texts if t.strip()]


def train_gpt2_bpe(lines, out):
    os.makedirs(out, exist_ok=True)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(lines, trainer)
    tok.add_special_tokens(["<|endoftext|>"])  # takes the next id: the last, as in GPT-2
    tok.save(os.path.join(out, "tokenizer.json"))
    tok.model.save(out)  # vocab.json + merges.txt, without the added token
    vocab_path = os.path.join(out, "vocab.json")
    vocab = json.load(open(vocab_path))
    vocab["<|endoftext|>"] = tok.token_to_id("<|endoftext|>")
    assert vocab["<|endoftext|>"] == len(vocab) - 1
    json.dump(vocab, open(vocab_path, "w"), ensure_ascii=False)
    return tok


def train_spm(lines, prefix, **options):
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_prefix=prefix,
                                   num_threads=1, minloglevel=2, **options)
    os.remove(prefix + ".vocab")
    return spm.SentencePieceProcessor(model_file=prefix + ".model")


def hf_ids(directory, texts, tokenizer_config):
    """The same texts through transformers' AutoTokenizer (with the family's special tokens), as
    a cross-check of the convention; None where this transformers version cannot load it."""
    try:
        import transformers
        with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
            json.dump(tokenizer_config, f)
        tok = transformers.AutoTokenizer.from_pretrained(directory)
        return [tok(t)["input_ids"] for t in texts]
    except Exception as e:  # recorded, not fatal: the sentencepiece/tokenizers ids are the reference
        print(f"transformers cross-check skipped for {directory}: {e}")
        return None
    finally:
        cfg = os.path.join(directory, "tokenizer_config.json")
        if os.path.exists(cfg):
            os.remove(cfg)


def main():
    out = sys.argv[1]
    texts = json.load(open(os.path.join(out, "texts.json")))
    lines = corpus(texts)
    golden = {"texts": texts}

    bpe = train_gpt2_bpe(lines, os.path.join(out, "gpt2_bpe"))
    ids = [bpe.encode(t).ids for t in texts]
    golden["gpt2_bpe"] = {"ids": ids, "ids_with_special": ids,
                          "decoded": [bpe.decode(i) for i in ids],
                          "hf_ids_with_special": hf_ids(os.path.join(out, "gpt2_bpe"), texts,
                                                        {"tokenizer_class": "GPT2Tokenizer"})}

    llama = train_spm(lines, os.path.join(out, "llama_bpe", "tokenizer"), vocab_size=600,
                      model_type="bpe", byte_fallback=True, split_digits=True,
                      normalization_rule_name="identity", remove_extra_whitespaces=False,
                      allow_whitespace_only_pieces=True, character_coverage=0.9995,
                      unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
    ids = [llama.encode(t) for t in texts]
    golden["llama_bpe"] = {"ids": ids, "ids_with_special": [[llama.bos_id()] + i for i in ids],
                           "decoded": [llama.decode(i) for i in ids],
                           "hf_ids_with_special": hf_ids(
                               os.path.join(out, "llama_bpe"), texts,
                               {"tokenizer_class": "LlamaTokenizer", "legacy": True})}

    t5 = train_spm(lines, os.path.join(out, "t5_unigram", "spiece"), vocab_size=500,
                   model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
                   character_coverage=0.9995)
    ids = [t5.encode(t) for t in texts]
    golden["t5_unigram"] = {"ids": ids, "ids_with_special": [i + [t5.eos_id()] for i in ids],
                            "decoded": [t5.decode(i) for i in ids],
                            "hf_ids_with_special": hf_ids(
                                os.path.join(out, "t5_unigram"), texts,
                                {"tokenizer_class": "T5Tokenizer", "extra_ids": 0})}

    for name in ("gpt2_bpe", "llama_bpe", "t5_unigram"):
        g = golden[name]
        agree = g["hf_ids_with_special"] == g["ids_with_special"]
        print(f"{name}: {sum(map(len, g['ids']))} ids over {len(texts)} texts; "
              f"transformers agrees: {agree if g['hf_ids_with_special'] is not None else 'n/a'}")
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f, ensure_ascii=True, indent=None)


if __name__ == "__main__":
    main()
