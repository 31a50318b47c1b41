#!/usr/bin/env python3
"""Measures a running OpenAI-compatible server against transformers float32 on the same Hugging Face
folder: per-token prompt log-probabilities (echo and vLLM's prompt_logprobs, token-id prompts), top-1
ids, greedy outputs, and whether a BOS is added to token-id and to text prompts. A benchmark, not a
fixture generator: nothing it prints is committed as truth, and CI never runs it.

    HF_HUB_OFFLINE=1 /work/venv/bin/python src-test-fixtures/generator/measure_serving_engine.py \\
        --model /work/dev/smollm2 --url http://127.0.0.1:18433/v1 --served smollm2 [--texts N] [--greedy N] [--max-len N]

Texts are taken from src-test-fixtures/suites/general-text.txt (sentences, and longer passages).
"""
import argparse
import json
import os
import time
import urllib.request

import tokenizers
import torch
from transformers import AutoModelForCausalLM

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def post(url, body):
    req = urllib.request.Request(url + "/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--served", required=True)
    ap.add_argument("--texts", type=int, default=12)
    ap.add_argument("--greedy", type=int, default=6)
    ap.add_argument("--greedy-tokens", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=1024, help="prompts are cut to max-len - 1 tokens")
    a = ap.parse_args()

    torch.set_num_threads(1)
    tok = tokenizers.Tokenizer.from_file(os.path.join(a.model, "tokenizer.json"))
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32, attn_implementation="eager").eval()
    text = open(os.path.join(ROOT, "suites", "general-text.txt"), encoding="utf-8").read()
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    sentences = [s.strip() + "." for s in text.replace("\n", " ").split(".") if s.strip()]
    texts = sentences[:a.texts // 2] + [" ".join(paras[i:i + 4]) for i in range(0, 4 * (a.texts - a.texts // 2), 4)]
    texts = [t for t in texts if len(tok.encode(t, add_special_tokens=False).ids) >= 2]

    worst = {"echo": 0.0, "prompt_logprobs": 0.0, "greedy": 0.0}
    worst_sum = 0.0
    tokens = 0
    top1_mismatch = 0
    for t in texts:
        ids = tok.encode(t, add_special_tokens=False).ids[:a.max_len - 1]
        with torch.no_grad():
            lp = torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), dim=-1)
        ref = [lp[i - 1, ids[i]].item() for i in range(1, len(ids))]
        top2 = torch.topk(lp, 2, dim=-1)
        for mode in ("echo", "prompt_logprobs"):
            body = {"model": a.served, "prompt": ids, "temperature": 0, "return_tokens_as_token_ids": True,
                    "return_token_ids": True, "max_tokens": 1}
            body.update({"echo": True, "logprobs": 1} if mode == "echo" else {"prompt_logprobs": 1})
            c = post(a.url, body)["choices"][0]
            assert c["prompt_token_ids"] == ids, "the server changed the token-id prompt"
            if mode == "echo":
                got = c["logprobs"]["token_logprobs"][1:len(ids)]
                assert [int(x.split(":")[1]) for x in c["logprobs"]["tokens"][:len(ids)]] == ids
            else:
                pl = c["prompt_logprobs"]
                got = [pl[i][str(ids[i])]["logprob"] for i in range(1, len(ids))]
                for i in range(1, len(ids)):
                    top = [int(k) for k, v in pl[i].items() if v["rank"] == 1][0]
                    margin = (top2.values[i - 1, 0] - top2.values[i - 1, 1]).item()
                    if margin > 1e-4 and top != top2.indices[i - 1, 0].item():
                        top1_mismatch += 1
            d = max(abs(x - y) for x, y in zip(got, ref))
            worst[mode] = max(worst[mode], d)
            worst_sum = max(worst_sum, abs(sum(got) - sum(ref)))
        tokens += len(ids) - 1
        print(f"{len(ids):5d} tokens: max |server - transformers| per token {d:.3g}")

    identical = 0
    for t in texts[:a.greedy]:
        ids = tok.encode(t, add_special_tokens=False).ids[:24]
        with torch.no_grad():
            g = model.generate(torch.tensor([ids], dtype=torch.long), do_sample=False, max_new_tokens=a.greedy_tokens,
                               eos_token_id=model.generation_config.eos_token_id, pad_token_id=0,
                               output_scores=True, return_dict_in_generate=True)
        ref_ids = g.sequences[0, len(ids):].tolist()
        ref_lp = [torch.log_softmax(s[0].float(), -1)[t_].item() for s, t_ in zip(g.scores, ref_ids)]
        c = post(a.url, {"model": a.served, "prompt": ids, "temperature": 0, "max_tokens": a.greedy_tokens,
                         "logprobs": 1, "return_tokens_as_token_ids": True, "return_token_ids": True})["choices"][0]
        same = c["token_ids"] == ref_ids
        identical += same
        if same:
            worst["greedy"] = max(worst["greedy"], max(abs(x - y) for x, y in zip(c["logprobs"]["token_logprobs"], ref_lp)))
        print(f"greedy {len(ref_ids)} tokens identical: {same} ({c['finish_reason']})")

    t0 = time.time()
    c = post(a.url, {"model": a.served, "prompt": texts[0], "max_tokens": 1, "return_token_ids": True})["choices"][0]
    text_ids = c["prompt_token_ids"]
    plain = tok.encode(texts[0], add_special_tokens=False).ids
    print(f"text prompt -> {len(text_ids)} ids, first {text_ids[:3]}; tokenizer without special tokens: first {plain[:3]}"
          f" ({'BOS added' if len(text_ids) == len(plain) + 1 else 'no BOS added' if text_ids == plain else 'differs'})")
    print(json.dumps({"tokens_scored": tokens, "max_per_token": worst, "max_per_text_sum": worst_sum,
                      "top1_mismatches_with_margin_over_1e-4": top1_mismatch,
                      "greedy_identical": f"{identical}/{min(a.greedy, len(texts))}"}, indent=1))


if __name__ == "__main__":
    main()
