#!/usr/bin/env python3
"""Deterministic generator of the serving-engine fixture: a tiny Hugging Face llama checkpoint that
vLLM's CPU backend can serve, and transformers' float32 scores of it as the reference the
serving-engine integration tests compare a real server with.

Run from the repository root (a few seconds; CI never runs it):

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 /work/venv/bin/python src-test-fixtures/generator/make_serving_fixture.py

Environment the committed files were made with: Python 3.11.7, torch 2.15.0 (CPU), transformers 5.24.0,
tokenizers 0.23.3, safetensors 0.8.0 (printed into reference.json under "generator").

Outputs (under src-test-fixtures/serving/):
  tiny-llama/        config.json, generation_config.json, model.safetensors (float32), tokenizer.json,
                     tokenizer_config.json: a random 2-layer llama (width 64, 2 heads of 32, 1 KV head,
                     context 256) over the fixture tokenizer (640 ids). vLLM's CPU attention needs a head
                     size that is a multiple of 32 (32, 64, 80, ...), hence not the 16 of the other tiny llamas.
                     Its tokenizer.json adds <|endoftext|> (id 0) as BOS when special tokens are added, so a
                     server that puts a BOS in front of a token-id prompt shows it.
  tiny-llama-swapped-tokenizer/
                     tokenizer.json, tokenizer_config.json: the fixture tokenizer with the ids of two tokens
                     swapped (the first two distinct tokens greedy decoding produces from the first greedy
                     prompt), for `--tokenizer` of a server that decodes token ids with a tokenizer that is not
                     the model's.
  reference.json     per probe text: its token ids (encoded without special tokens), the natural-log
                     probability of every token after the first given the ones before it, the argmax at
                     every position and its margin over the runner-up; per greedy case: the prompt, the
                     greedily generated ids (stopping after EOS or maxTokens), the log-probability of each
                     and the smallest top-1 margin along the way. Logits are float32 (eager attention),
                     log-softmax in float32 as servers do, stored as float64.

The script refuses to write a greedy case whose top-1 margin falls below 1e-3 anywhere (a near tie
could flip between two correct float32 implementations).
"""
import hashlib
import json
import os
import platform
import shutil
import sys

import safetensors
import tokenizers
import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TOKENIZER_DIR = os.path.join(ROOT, "models", "base")
OUT = os.path.join(ROOT, "serving")
MODEL_DIR = os.path.join(OUT, "tiny-llama")
SWAPPED_DIR = os.path.join(OUT, "tiny-llama-swapped-tokenizer")
GREEDY_MARGIN = 1e-3
MAX_NEW_TOKENS = 16
SEED = 20261127


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def bos_tokenizer(src):
    """The fixture tokenizer with a template that adds <|endoftext|> (id 0) in front of a single sequence."""
    tok = json.load(open(src, encoding="utf-8"))
    tok["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
                   {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
                 {"Sequence": {"id": "A", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [0], "tokens": ["<|endoftext|>"]}},
    }
    return tok


def swapped_tokenizer(tok, ia, ib):
    """The tokenizer with the ids of tokens ia and ib exchanged (so it decodes each as the other)."""
    tok = json.loads(json.dumps(tok))
    vocab = tok["model"]["vocab"]
    by_id = {v: k for k, v in vocab.items()}
    a, b = by_id[ia], by_id[ib]
    vocab[a], vocab[b] = ib, ia
    return tok


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(MODEL_DIR)
    os.makedirs(SWAPPED_DIR)

    cfg = LlamaConfig(vocab_size=640, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=1, head_dim=32, max_position_embeddings=256,
                      rms_norm_eps=1e-6, initializer_range=0.08, tie_word_embeddings=True,
                      bos_token_id=0, eos_token_id=0, pad_token_id=1,
                      rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    model = LlamaForCausalLM(cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:  # norms: not all ones, so a port that ignores them is caught
                p.add_(torch.randn_like(p) * 0.2)
    model.save_pretrained(MODEL_DIR, safe_serialization=True)
    gen_cfg = os.path.join(MODEL_DIR, "generation_config.json")
    write_json(gen_cfg, {"bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 1})

    tok_json = bos_tokenizer(os.path.join(TOKENIZER_DIR, "tokenizer.json"))
    write_json(os.path.join(MODEL_DIR, "tokenizer.json"), tok_json)
    tok_cfg = json.load(open(os.path.join(TOKENIZER_DIR, "tokenizer_config.json"), encoding="utf-8"))
    tok_cfg["add_bos_token"] = True
    tok_cfg["model_max_length"] = 256
    write_json(os.path.join(MODEL_DIR, "tokenizer_config.json"), tok_cfg)


    tok = tokenizers.Tokenizer.from_file(os.path.join(MODEL_DIR, "tokenizer.json"))
    model = LlamaForCausalLM.from_pretrained(MODEL_DIR, dtype=torch.float32, attn_implementation="eager").eval()

    text = open(os.path.join(ROOT, "suites", "general-text.txt"), encoding="utf-8").read()
    sentences = [s.strip() + "." for s in text.replace("\n", " ").split(".") if s.strip()]
    probe_texts = [sentences[0], sentences[1] + " " + sentences[2], " ".join(sentences[3:6]),
                   "The capital of France is", " ".join(sentences[6:30])]

    def logits_of(ids):
        with torch.no_grad():
            return model(torch.tensor([ids])).logits[0].float()

    probes = []
    for t in probe_texts:
        ids = tok.encode(t, add_special_tokens=False).ids[:200]
        lp = torch.log_softmax(logits_of(ids), dim=-1)
        top2 = torch.topk(lp, 2, dim=-1)
        probes.append({
            "text": t,
            "ids": ids,
            "logprobs": [None] + [lp[i - 1, ids[i]].item() for i in range(1, len(ids))],
            "argmax": [None] + [top2.indices[i - 1, 0].item() for i in range(1, len(ids))],
            "margins": [None] + [(top2.values[i - 1, 0] - top2.values[i - 1, 1]).item() for i in range(1, len(ids))],
        })

    greedy = []
    for p in probes[:4]:
        prompt = p["ids"][:max(1, min(12, len(p["ids"]) - 1))]
        seq = list(prompt)
        out, lps, margin = [], [], float("inf")
        finish = "length"
        for _ in range(MAX_NEW_TOKENS):
            lp = torch.log_softmax(logits_of(seq)[-1], dim=-1)
            top2 = torch.topk(lp, 2)
            nxt = top2.indices[0].item()
            margin = min(margin, (top2.values[0] - top2.values[1]).item())
            out.append(nxt)
            lps.append(lp[nxt].item())
            seq.append(nxt)
            if nxt == cfg.eos_token_id:
                finish = "stop"
                break
        if margin < GREEDY_MARGIN:
            sys.exit(f"greedy case from {prompt} has a top-1 margin of {margin} < {GREEDY_MARGIN}; change the seed")
        greedy.append({"prompt": prompt, "maxTokens": MAX_NEW_TOKENS, "ids": out, "logprobs": lps,
                       "finishReason": finish, "minMargin": margin})

    # The swapped tokenizer exchanges the first two distinct tokens the model generates greedily from
    # the first greedy prompt, so a self-check that decodes a few greedy tokens meets the swap.
    first = greedy[0]["ids"]
    ids = (first[0], next(t for t in first if t != first[0]))
    write_json(os.path.join(SWAPPED_DIR, "tokenizer.json"), swapped_tokenizer(tok_json, *ids))
    write_json(os.path.join(SWAPPED_DIR, "tokenizer_config.json"), tok_cfg)

    ref = {
        "about": "transformers float32 scores of serving/tiny-llama (make_serving_fixture.py); natural logs",
        "generator": {"python": platform.python_version(), "torch": torch.__version__,
                      "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                      "safetensors": safetensors.__version__, "seed": SEED},
        "model": "tiny-llama",
        "files": {f: sha256(os.path.join(MODEL_DIR, f)) for f in sorted(os.listdir(MODEL_DIR))},
        "swappedTokenIds": list(ids),
        "probes": probes,
        "greedy": greedy,
    }
    write_json(os.path.join(OUT, "reference.json"), ref)
    for g in greedy:
        print("greedy", g["prompt"], "->", g["ids"], g["finishReason"], "min margin %.4f" % g["minMargin"])
    print("probe lengths", [len(p["ids"]) for p in probes])


if __name__ == "__main__":
    main()
