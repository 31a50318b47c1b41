#!/usr/bin/env python3
"""Writes fisher-reference/general.json, which FisherDriftOnFixturesTest checks the Java Fisher against.

The diagonal empirical Fisher of the fixture model `base` over the answer rows of the general suite
(the rows Retention's FisherDrift takes: one per scored item, the gold answer's tokens as targets),
computed by transformers' own LlamaForCausalLM with autograd, float32 eager, and from it the
Fisher-weighted drift sum_i F_i (theta_i - theta*_i)^2 per parameter of `full-ft`, `replay` and `lora`.
For each row: the summed log-probability of its targets at positions firstTarget + j, backward, and
F += grad^2; F /= rows. Tied weights are one parameter (model.embed_tokens.weight).

The rows come from Retention (its prompt formatting and tokenizer: Evaluator.of(base).answerRows of
the general suite, written once as a JSON list of {"input", "firstTarget", "targets"}); the test
asserts that Retention still makes exactly these rows. Without an argument the script reuses the
rows of the reference file it overwrites (a folder of its own, which regenerating the family does not
replace; rerun this script after it does, since the models change). Run from the repository root (CI never runs it):

    /work/venv/bin/python src-test-fixtures/generator/make_fisher_reference.py [rows.json]

Made with torch 2.15.0 (CPU) and transformers 5.24.0.
"""
import json
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM

ROOT = "src-test-fixtures"
OUT = f"{ROOT}/fisher-reference/general.json"
TUNED = ["full-ft", "replay", "lora"]

torch.manual_seed(0)
torch.set_num_threads(1)
rows = json.load(open(sys.argv[1])) if len(sys.argv) > 1 else json.load(open(OUT))["rows"]
base = AutoModelForCausalLM.from_pretrained(f"{ROOT}/models/base", dtype=torch.float32,
                                            attn_implementation="eager").eval()
params = dict(base.named_parameters())
fisher = {k: torch.zeros_like(p, dtype=torch.float64) for k, p in params.items()}
for r in rows:
    base.zero_grad(set_to_none=True)
    ids = torch.tensor([r["input"]])
    logits = base(input_ids=ids).logits[0]
    logp = torch.log_softmax(logits.float(), dim=-1)
    ll = sum(logp[r["firstTarget"] + j, t] for j, t in enumerate(r["targets"]))
    ll.backward()
    for k, p in params.items():
        if p.grad is not None:
            fisher[k] += p.grad.double() ** 2
for k in fisher:
    fisher[k] /= len(rows)

out = {
    "generator": "src-test-fixtures/generator/make_fisher_reference.py",
    "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
    "rows": rows,
    "trace": {k: f.sum().item() for k, f in fisher.items()},
    "weightedDrift": {},
}
for name in TUNED:
    tuned = dict(AutoModelForCausalLM.from_pretrained(f"{ROOT}/models/{name}", dtype=torch.float32).named_parameters())
    out["weightedDrift"][name] = {
        k: (fisher[k] * (tuned[k].detach().double() - params[k].detach().double()) ** 2).sum().item() for k in fisher}
with open(OUT, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(OUT, len(rows), "rows")
